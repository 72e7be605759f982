import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { scheduleGaps } from "../../components/config/schedule-gaps";
import { MAX_HEARTBEAT_HOURS } from "../../components/run-watch";
import { one, ofType, PIPELINE_ACCOUNT, REGION } from "../helpers/pulumi/mock-cloud";
import { runProgram } from "../helpers/pulumi/program";
import { ORG } from "../helpers/pulumi/stacks";

const STATE_MACHINE = `arn:aws:states:${REGION}:${PIPELINE_ACCOUNT}:stateMachine:credreport-state-machine`;
const TOPIC = `arn:aws:sns:${REGION}:${PIPELINE_ACCOUNT}:notifications-topic`;
const DEAD_LETTERS = "credreport-schedule-dead-letters";

describe("what hears of runs that end badly or never come (under Pulumi's mocks)", function () {
  this.timeout(60_000);

  it("sends a notice to the topic for this state machine's runs that failed, timed out or were aborted", async () => {
    const run = await runProgram({ ...ORG });
    const rule = one(run, "aws:cloudwatch/eventRule:EventRule", "run-ended-badly");
    expect(JSON.parse(rule.inputs.eventPattern)).to.deep.equal({
      source: ["aws.states"],
      "detail-type": ["Step Functions Execution Status Change"],
      detail: { stateMachineArn: [STATE_MACHINE], status: ["FAILED", "TIMED_OUT", "ABORTED"] },
    });
    const target = one(run, "aws:cloudwatch/eventTarget:EventTarget", "run-ended-badly-notice");
    expect(target.inputs).to.deep.include({ rule: "credreport-run-ended-badly", arn: TOPIC });
    // No role: EventBridge publishes under the topic's policy (a role fails with an encrypted topic).
    expect(target.inputs.roleArn).to.equal(undefined);
    const { inputPaths, inputTemplate } = target.inputs.inputTransformer;
    // Every placeholder of the template is a path EventBridge fills; what it makes is JSON.
    const placeholders = [...(inputTemplate as string).matchAll(/<([A-Za-z]+)>/g)].map((m) => m[1]);
    expect([...new Set(placeholders)].sort()).to.deep.equal(Object.keys(inputPaths).sort());
    const filled = JSON.parse((inputTemplate as string).replace(/<([A-Za-z]+)>/g, (_, name: string) => `${name}-value`));
    expect(filled).to.include({ run: "run-value", status: "status-value", endedAt: "endedAt-value" });
    expect(filled.execution).to.equal("https://region-value.console.aws.amazon.com/states/home?region=region-value#/v2/executions/details/execution-value");
    // It points to the section of the docs that says what to do.
    const [, section] = /^docs\/operations\.md "(.+)"$/.exec(filled.whatToDo)!;
    expect(readFileSync(join(__dirname, "..", "..", "docs", "operations.md"), "utf8")).to.match(new RegExp(`^#+ ${section}$`, "m"));
  });

  it("keeps the starts Scheduler gave up on in an encrypted queue, and alarms on the first one", async () => {
    const run = await runProgram({ ...ORG });
    const queue = one(run, "aws:sqs/queue:Queue", "dead-letters");
    expect(queue.inputs).to.include({ messageRetentionSeconds: 1_209_600, sqsManagedSseEnabled: true });
    const target = one(run, "aws:scheduler/schedule:Schedule").inputs.target;
    expect(target.deadLetterConfig).to.deep.equal({ arn: `arn:aws:sqs:${REGION}:${PIPELINE_ACCOUNT}:${DEAD_LETTERS}` });
    expect(target.retryPolicy).to.deep.equal({ maximumRetryAttempts: 3 });
    const alarm = one(run, "aws:cloudwatch/metricAlarm:MetricAlarm", "schedule-start-failed").inputs;
    expect(alarm).to.deep.include({
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: DEAD_LETTERS },
      statistic: "Maximum",
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [TOPIC],
    });
    expect(alarm.alarmDescription).to.contain(DEAD_LETTERS);
  });

  // Each: the schedule, its time zone, the run timeout, and the hours the heartbeat waits for (longest gap + timeout + 1).
  const HEARTBEATS: [string, Record<string, string>, number][] = [
    ["the default daily run, in UTC", {}, 24 + 6 + 1],
    ["a daily run in Paris (25 hours when clocks go back)", { scheduleTimezone: "Europe/Paris" }, 25 + 6 + 1],
    ["weekdays only, a 30-minute timeout (Friday to Monday)", { scheduleExpression: "cron(0 7 ? * MON-FRI *)", runTimeoutMinutes: "30" }, 72 + 1 + 1],
    ["every 12 hours", { scheduleExpression: "rate(12 hours)" }, 12 + 6 + 1],
  ];
  for (const [what, config, hours] of HEARTBEATS) {
    it(`fires the heartbeat when no run succeeded for the schedule's longest gap and a run's timeout: ${what}`, async () => {
      const run = await runProgram({ ...ORG, ...config });
      const alarm = one(run, "aws:cloudwatch/metricAlarm:MetricAlarm", "no-run-succeeded").inputs;
      expect(alarm).to.deep.include({
        namespace: "AWS/States",
        metricName: "ExecutionsSucceeded",
        dimensions: { StateMachineArn: STATE_MACHINE },
        statistic: "Sum",
        period: 3600,
        evaluationPeriods: hours,
        datapointsToAlarm: hours,
        threshold: 1,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "breaching",
        alarmActions: [TOPIC],
        okActions: [TOPIC],
      });
      // PutMetricAlarm: "Period multiplied by EvaluationPeriods can't be more than 604,800 seconds".
      expect(alarm.period * alarm.evaluationPeriods).to.be.at.most(604_800);
    });
  }

  it("makes no heartbeat a schedule's gaps do not fit CloudWatch's 7 days, and says so at preview", async () => {
    const warnings: string[] = [];
    const warn = pulumi.log.warn;
    pulumi.log.warn = async (message: string) => void warnings.push(message);
    try {
      const run = await runProgram({ ...ORG, scheduleExpression: "cron(0 8 ? * MON *)" });
      expect(ofType(run, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.name)).to.deep.equal(["credreport-schedule-start-failed"]);
      expect(ofType(run, "aws:cloudwatch/eventRule:EventRule").map((r) => r.name)).to.include("credreport-run-ended-badly");
    } finally {
      pulumi.log.warn = warn;
    }
    expect(warnings).to.deep.equal([
      `No heartbeat alarm: with the schedule cron(0 8 ? * MON *) and runTimeoutMinutes 360, it would wait ${168 + 6 + 1} hours, past CloudWatch's alarm window of ${MAX_HEARTBEAT_HOURS}. Failed, timed-out and aborted runs are still heard.`,
    ]);
  });
});

describe("scheduleGaps: the time between two starts of a schedule", () => {
  it("reads EventBridge's day-of-week numbers, 1 for Sunday to 7 for Saturday", () => {
    // Saturday and Sunday: a day apart at the weekend, six days from Sunday to Saturday.
    expect(scheduleGaps("cron(0 8 ? * 1,7 *)", "UTC")).to.deep.equal({ shortestSeconds: 86_400, longestSeconds: 6 * 86_400 });
    expect(scheduleGaps("cron(0 8 ? * SUN,SAT *)", "UTC")).to.deep.equal(scheduleGaps("cron(0 8 ? * 1,7 *)", "UTC"));
    expect(scheduleGaps("cron(0 8 ? * 2-6 *)", "UTC")).to.deep.equal(scheduleGaps("cron(0 8 ? * MON-FRI *)", "UTC"));
    // The first Monday of each month.
    expect(scheduleGaps("cron(0 9 ? * 2#1 *)", "UTC")).to.deep.equal({ shortestSeconds: 28 * 86_400, longestSeconds: 35 * 86_400 });
  });

  it("counts a daily start in a time zone with summer time as 23 and 25 hours apart", () => {
    expect(scheduleGaps("cron(0 8 * * ? *)", "Europe/Paris")).to.deep.equal({ shortestSeconds: 23 * 3600, longestSeconds: 25 * 3600 });
    expect(scheduleGaps("cron(0 8 * * ? *)", "UTC")).to.deep.equal({ shortestSeconds: 24 * 3600, longestSeconds: 24 * 3600 });
  });

  it("takes a rate as it is, in minutes, hours or days", () => {
    expect(scheduleGaps("rate(1 minute)", "UTC")).to.deep.equal({ shortestSeconds: 60, longestSeconds: 60 });
    expect(scheduleGaps("rate(12 hours)", "UTC")).to.deep.equal({ shortestSeconds: 43_200, longestSeconds: 43_200 });
    expect(scheduleGaps("rate(2 days)", "UTC")).to.deep.equal({ shortestSeconds: 172_800, longestSeconds: 172_800 });
  });
});
