import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { scheduleGaps } from "./config/schedule-gaps";

export interface RunWatchArgs {
  /** The name of the component that makes it; its resources are named after it. */
  readonly owner: string;
  readonly stateMachineArn: pulumi.Output<string>;
  readonly topicArn: pulumi.Input<string>;
  /** Where Scheduler keeps the starts it could not make. */
  readonly deadLetterQueueName: pulumi.Output<string>;
  readonly scheduleExpression: string;
  readonly scheduleTimezone: string;
  readonly runTimeoutMinutes: number;
  readonly tags: Readonly<Record<string, string>>;
}

/** An EventBridge rule (`name`) whose events reach the topic as a notice of the given shape (`name`-notice, the target). */
export function noticeRule(
  parent: pulumi.Resource,
  name: string,
  args: {
    readonly description: string;
    readonly eventPattern: pulumi.Input<string>;
    readonly notice: aws.types.input.cloudwatch.EventTargetInputTransformer;
    readonly topicArn: pulumi.Input<string>;
    readonly tags: Readonly<Record<string, string>>;
  },
): void {
  const rule = new aws.cloudwatch.EventRule(name, { description: args.description, eventPattern: args.eventPattern, tags: args.tags }, { parent });
  new aws.cloudwatch.EventTarget(`${name}-notice`, { rule: rule.name, arn: args.topicArn, inputTransformer: args.notice }, { parent });
}

/** How a run can end without reaching its own notice: Step Functions' statuses for it. */
export const RUN_ENDED_BADLY = ["FAILED", "TIMED_OUT", "ABORTED"] as const;

/** The EventBridge pattern of this state machine's executions that ended badly (Step Functions' "Execution Status Change" events). */
export function runEndedBadlyPattern(stateMachineArn: string): object {
  return {
    source: ["aws.states"],
    "detail-type": ["Step Functions Execution Status Change"],
    detail: { stateMachineArn: [stateMachineArn], status: [...RUN_ENDED_BADLY] },
  };
}

/**
 * The notice EventBridge publishes for such a run: JSON, which reads in an email and parses in a
 * chat or ticket integration. EventBridge sets no SNS subject: email shows SNS's default one.
 */
export const RUN_ENDED_BADLY_NOTICE = {
  inputPaths: { run: "$.detail.name", status: "$.detail.status", execution: "$.detail.executionArn", region: "$.region", endedAt: "$.time" },
  inputTemplate: `{
  "notice": "The IAM credential report run <run> ended <status>. It may have stored no summary and no page; a failure the run caught itself is also sent with its error.",
  "run": "<run>",
  "status": "<status>",
  "endedAt": "<endedAt>",
  "execution": "https://<region>.console.aws.amazon.com/states/home?region=<region>#/v2/executions/details/<execution>",
  "whatToDo": "docs/operations.md \\"A run that failed, timed out or was aborted\\""
}`,
};

/**
 * "Period multiplied by EvaluationPeriods can't be more than 604,800 seconds" (CloudWatch API
 * Reference, PutMetricAlarm): the heartbeat's window is 7 days at most.
 */
export const MAX_HEARTBEAT_HOURS = 168;

/**
 * How many hours without a succeeded run before the heartbeat alarm fires: the schedule's longest
 * gap, plus the longest a run may take (runTimeoutMinutes), plus an hour for the metric to arrive.
 */
export function heartbeatHours(scheduleExpression: string, scheduleTimezone: string, runTimeoutMinutes: number): number {
  const { longestSeconds } = scheduleGaps(scheduleExpression, scheduleTimezone);
  return Math.ceil((longestSeconds + runTimeoutMinutes * 60) / 3600) + 1;
}

/**
 * Every way a run can end is heard on the topic, beside the notices the run sends itself: an
 * EventBridge rule on executions that failed, timed out or were aborted (where no Catch of the
 * definition applies), an alarm on Scheduler's dead-letter queue (a start that never happened),
 * and a heartbeat: an alarm when no run succeeded for longer than the schedule allows (a
 * pipeline that stopped reads otherwise like a healthy organization). The heartbeat counts Step
 * Functions' own ExecutionsSucceeded metric: a run succeeds only once Summarize stored its files.
 */
export function watchRuns(parent: pulumi.Resource, args: RunWatchArgs): void {
  const child = { parent };
  noticeRule(parent, `${args.owner}-run-ended-badly`, {
    description: "A credential report run that failed, timed out or was aborted",
    eventPattern: args.stateMachineArn.apply((arn) => JSON.stringify(runEndedBadlyPattern(arn))),
    notice: RUN_ENDED_BADLY_NOTICE,
    topicArn: args.topicArn,
    tags: args.tags,
  });

  new aws.cloudwatch.MetricAlarm(
    `${args.owner}-schedule-start-failed`,
    {
      alarmDescription: pulumi.interpolate`EventBridge Scheduler could not start a credential report run: the message in SQS queue ${args.deadLetterQueueName} says why (its ERROR_CODE and ERROR_MESSAGE attributes). Fix the cause, start a run by hand, then purge the queue: docs/operations.md "A scheduled run that never started".`,
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: args.deadLetterQueueName },
      statistic: "Maximum",
      period: 300,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [args.topicArn],
      tags: args.tags,
    },
    child,
  );

  const hours = heartbeatHours(args.scheduleExpression, args.scheduleTimezone, args.runTimeoutMinutes);
  if (hours > MAX_HEARTBEAT_HOURS) {
    pulumi.log.warn(
      `No heartbeat alarm: with the schedule ${args.scheduleExpression} and runTimeoutMinutes ${args.runTimeoutMinutes}, it would wait ${hours} hours, past CloudWatch's alarm window of ${MAX_HEARTBEAT_HOURS}. Failed, timed-out and aborted runs are still heard.`,
      parent,
    );
    return;
  }
  new aws.cloudwatch.MetricAlarm(
    `${args.owner}-no-run-succeeded`,
    {
      alarmDescription: `No credential report run succeeded in the last ${hours} hours, though the schedule (${args.scheduleExpression}, ${args.scheduleTimezone}) starts one more often: the pipeline may have stopped: docs/operations.md "No run succeeded for a while".`,
      namespace: "AWS/States",
      metricName: "ExecutionsSucceeded",
      dimensions: { StateMachineArn: args.stateMachineArn },
      statistic: "Sum",
      // Hour by hour, every hour of the window without a succeeded run: hours with no data count.
      period: 3600,
      evaluationPeriods: hours,
      datapointsToAlarm: hours,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      treatMissingData: "breaching",
      alarmActions: [args.topicArn],
      okActions: [args.topicArn],
      tags: args.tags,
    },
    child,
  );
}
