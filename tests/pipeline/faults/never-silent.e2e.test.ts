import { DescribeExecutionCommand, StartExecutionCommand, StopExecutionCommand } from "@aws-sdk/client-sfn";
import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import { awsClients, type AwsClients } from "../../../local/aws-clients";
import { type DemoOrganization, DEMO_SPEC, seedDemoOrganization } from "../../../emulator/demo-organization";
import { type Emulator, startEmulator } from "../../../emulator/server";
import { deployStack, type Deployment } from "../../../emulator/deploy";
import { runLocally } from "../../../local/runner";
import { emulatorTarget, publishedMessages } from "../../helpers/emulator-data";
import { type FaultProxy, startFaultProxy } from "../../helpers/fault-proxy";

/** The notices on the topic that came from EventBridge or CloudWatch: JSON, unlike the pipeline's own. */
async function serviceNotices(endpoint: string): Promise<Record<string, any>[]> {
  return (await publishedMessages(endpoint)).flatMap(({ message }) => {
    try {
      const parsed = JSON.parse(message);
      return parsed && typeof parsed === "object" ? [parsed] : [];
    } catch {
      return [];
    }
  });
}

/** Waits for an execution the layer runs to end, and for what Step Functions tells of it to be delivered. */
async function ended(clients: AwsClients, deployment: Deployment, executionArn: string): Promise<string> {
  for (let waited = 0; waited < 60_000; waited += 100) {
    const { status } = await clients.stepFunctions.send(new DescribeExecutionCommand({ executionArn }));
    if (status !== "RUNNING") {
      await deployment.delivered();
      return status!;
    }
    await sleep(100);
  }
  throw new Error(`${executionArn} still runs`);
}

// A run that ends where no Catch of the definition applies sends nothing itself: EventBridge's rule
// on its status change does, through the topic's policy and its key's, as the layer judges them.
describe("a run that times out or is stopped is heard (the deployed rule, in moto behind the layer)", function () {
  this.timeout(120_000);
  let emulator: Emulator;
  let admin: AwsClients;
  let deployment: Deployment;

  before(async () => {
    emulator = await startEmulator();
    admin = awsClients(emulatorTarget(emulator.endpoint));
    const org: DemoOrganization = await seedDemoOrganization(admin, DEMO_SPEC);
    // Each run the layer serves stops after a second, as runTimeoutMinutes would after hours.
    deployment = await deployStack(emulator, org, { pollIntervalSeconds: "1" }, { executionTimeoutMs: 1000 });
  });

  after(async () => {
    await emulator?.stop();
  });

  const start = async (name: string) =>
    (await admin.stepFunctions.send(new StartExecutionCommand({ stateMachineArn: deployment.stack.outputs.stateMachineArn, name, input: "{}" }))).executionArn!;

  for (const [what, name, status] of [
    ["a run that times out", "times-out", "TIMED_OUT"],
    ["a run stopped by hand", "stopped-by-hand", "ABORTED"],
  ] as const) {
    it(`${what} sends one notice naming the run, how it ended and where to look`, async () => {
      const executionArn = await start(name);
      if (status === "ABORTED") await admin.stepFunctions.send(new StopExecutionCommand({ executionArn, cause: "stopped by an operator" }));

      expect(await ended(admin, deployment, executionArn)).to.equal(status);
      const notices = (await serviceNotices(emulator.endpoint)).filter((n) => n.run === name);
      expect(notices).to.have.length(1);
      expect(notices[0]).to.include({ run: name, status });
      expect(notices[0].notice).to.equal(`The IAM credential report run ${name} ended ${status}. It may have stored no summary and no page; a failure the run caught itself is also sent with its error.`);
      expect(notices[0].execution).to.equal(`https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${executionArn}`);
      expect(emulator.authorizer!.refusals.filter((r) => r.principal === "events.amazonaws.com")).to.deep.equal([]);
    });
  }

  it("stops a run whose StopExecution came before the run was under way", async () => {
    const result = await runLocally({ ...(await deployment.runOptions()), runId: "stopped-while-starting", stop: AbortSignal.abort() });

    expect(result.status).to.equal("failed");
    expect(result.status === "failed" && result.error).to.equal("States.Aborted: the execution was stopped (StopExecution)");
  });
});

describe("a start that never came and a pipeline that stopped are heard (Scheduler, its queue, the alarms)", function () {
  this.timeout(120_000);
  let emulator: Emulator;
  let proxy: FaultProxy;
  let admin: AwsClients;
  let deployment: Deployment;
  const alarm = (suffix: string) => deployment.stack.alarms.find((a) => a.name.endsWith(suffix))!.name;

  before(async () => {
    emulator = await startEmulator();
    admin = awsClients(emulatorTarget(emulator.endpoint));
    const org = await seedDemoOrganization(admin, DEMO_SPEC);
    deployment = await deployStack(emulator, org, { pollIntervalSeconds: "1" });
    proxy = await startFaultProxy(emulator.endpoint, { defaultAccount: org.managementAccountId });
  });

  after(async () => {
    await proxy?.close();
    await emulator?.stop();
  });

  it("fires the heartbeat while no run has succeeded", async () => {
    const changes = await deployment.alarms.evaluate();

    expect(changes).to.deep.include({ alarm: alarm("no-run-succeeded"), from: "INSUFFICIENT_DATA", to: "ALARM" });
    const [notice] = (await serviceNotices(emulator.endpoint)).filter((n) => n.AlarmName === alarm("no-run-succeeded"));
    expect(notice).to.include({ NewStateValue: "ALARM", OldStateValue: "INSUFFICIENT_DATA" });
    expect(notice.AlarmDescription).to.match(/^No credential report run succeeded in the last 31 hours/);
    expect(notice.Trigger).to.include({ MetricName: "ExecutionsSucceeded", Namespace: "AWS/States", Period: 3600, EvaluationPeriods: 31 });
  });

  it("keeps a start StartExecution refused on every try in the dead-letter queue, and its alarm is heard", async () => {
    proxy.addRule({ service: "states", action: "StartExecution", fault: { status: 400, code: "ExecutionLimitExceeded", message: "The maximum number of running executions has been reached" } });

    const start = await deployment.startOnSchedule(proxy.endpoint);

    proxy.reset();
    expect(start).to.deep.equal({ deadLettered: { errorCode: "ExecutionLimitExceeded", errorMessage: "The maximum number of running executions has been reached", attempts: 4 } });
    // The dead-letter event, sent by the schedule's role (its KeepFailedStarts statement), read without taking it.
    const sqs = new SQSClient({ ...emulatorTarget(emulator.endpoint), region: "us-east-1" });
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: "credreport-schedule-dead-letters" }));
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ["All"], VisibilityTimeout: 0 }));
    expect(Messages).to.have.length(1);
    expect(Messages[0].Body).to.equal("{}");
    const attributes = Object.fromEntries(Object.entries(Messages[0].MessageAttributes!).map(([name, value]) => [name, value.StringValue]));
    expect(attributes).to.include({ ERROR_CODE: "ExecutionLimitExceeded", EXHAUSTED_RETRY_CONDITION: "MaximumRetryAttempts", RETRY_ATTEMPTS: "3", TARGET_ARN: deployment.stack.outputs.stateMachineArn });

    const changes = await deployment.alarms.evaluate();

    expect(changes).to.deep.include({ alarm: alarm("schedule-start-failed"), from: "OK", to: "ALARM" });
    const [notice] = (await serviceNotices(emulator.endpoint)).filter((n) => n.AlarmName === alarm("schedule-start-failed"));
    expect(notice.NewStateValue).to.equal("ALARM");
    expect(notice.AlarmDescription).to.contain("credreport-schedule-dead-letters");
    expect(emulator.authorizer!.refusals.filter((r) => r.principal === "cloudwatch.amazonaws.com")).to.deep.equal([]);
  });

  it("sends no notice of its own for a run that succeeded, and the heartbeat says the runs are back", async () => {
    const start = await deployment.startOnSchedule();
    if (!("started" in start)) throw new Error(`the schedule did not start a run: ${JSON.stringify(start)}`);

    expect(await ended(admin, deployment, start.started)).to.equal("SUCCEEDED");
    const name = start.started.split(":").pop();
    expect((await serviceNotices(emulator.endpoint)).filter((n) => n.run === name)).to.deep.equal([]);
    const changes = await deployment.alarms.evaluate();
    expect(changes).to.deep.include({ alarm: alarm("no-run-succeeded"), from: "ALARM", to: "OK" });
    const notices = (await serviceNotices(emulator.endpoint)).filter((n) => n.AlarmName === alarm("no-run-succeeded"));
    expect(notices.map((n) => n.NewStateValue)).to.deep.equal(["ALARM", "OK"]);
  });
});
