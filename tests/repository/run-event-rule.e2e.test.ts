import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { expect } from "chai";
import { ADMINISTRATOR_KEYS, type Emulator, startEmulator } from "../../emulator/server";
import { EMULATOR_ACCOUNT } from "../../emulator/authorizer/authorizer";
import { runPrefix } from "../../functions/run/report-keys";
import type { FindingsDigest, Manifest } from "../../functions/summarize/manifest";
import { runCompletedEvent } from "../../functions/summarize/run-event";

const ROOT = join(__dirname, "..", "..");
const PIPELINE_ACCOUNT = "111111111111";
/** A member account, or any account a central bus's policy lets put events. */
const OTHER_ACCOUNT = "222222222222";

/** The event pattern of the `aws events put-rule` docs/findings.md gives under "Run events", for a pipeline in `account`. */
function documentedPattern(account: string): string {
  const text = readFileSync(join(ROOT, "docs", "findings.md"), "utf8");
  const section = text.slice(text.indexOf("### Run events (EventBridge)"));
  const pattern = /aws events put-rule [^'\n]*--event-pattern '([^']*)'/.exec(section)?.[1];
  if (!pattern) throw new Error('docs/findings.md gives no `aws events put-rule ... --event-pattern` under "Run events (EventBridge)"');
  return pattern.replaceAll("<pipeline account id>", account);
}

/** The event Summarize puts for a run with new critical or high findings: what the documented rule is for. */
function summarizeEvent() {
  const run = { id: "run-7", startedAt: "2026-11-25T08:00:00.000Z" };
  const counts = { accounts: 2, collected: 2, failed: 0, skipped: 0, skippedByStatus: {}, unverified: 0 };
  const manifest: Manifest = { schemaVersion: 1, runId: run.id, date: "2026-11-25", startedAt: run.startedAt, endedAt: "2026-11-25T08:05:00.000Z", prefix: runPrefix(run), counts, accounts: [] };
  const findings: FindingsDigest = {
    bySeverity: { critical: 1, high: 2, medium: 0, low: 0 },
    total: 3,
    newCount: 3,
    resolvedCount: 0,
    notRechecked: { findings: 0, accountIds: [] },
    previousRunId: null,
    urgent: [],
    urgentCount: 3,
    notEvaluated: { accounts: 0, byCheck: {}, listed: [] },
    unreadableReports: [],
    reportKey: `${runPrefix(run)}report.html`,
  };
  return runCompletedEvent(run, manifest, "reports", `${runPrefix(run)}manifest.json`, findings);
}

describe("the run event rule docs/findings.md documents, matched by EventBridge's rules (moto behind the layer)", function () {
  this.timeout(60_000);
  let emulator: Emulator;
  let rules = 0;

  before(async () => {
    emulator = await startEmulator();
  });

  after(async () => {
    expect(emulator.authorizer!.refusals).to.deep.equal([]);
    await emulator?.stop();
  });

  /**
   * The events a rule of `pattern` delivers when `sender` puts Summarize's event. moto has no
   * TestEventPattern (5.2.1 raises NotImplementedError) and puts an event on the caller's own bus
   * only, so the rule is made in the sender's account: there moto matches the pattern against the
   * event as EventBridge builds it, `account` being the sender's, as it is on any bus it reaches.
   */
  async function delivered(pattern: string, sender: string): Promise<{ account: string; detail: unknown }[]> {
    // Under the layer as everything else: a role of the sender's account holding just what the test does.
    const roleArn = `arn:aws:iam::${sender}:role/events-test`;
    emulator.authorizer!.addRole({
      arn: roleArn,
      trust: { Version: "2012-10-17", Statement: [{ Sid: "TrustTheTest", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${EMULATOR_ACCOUNT}:root` }, Action: "sts:AssumeRole" }] },
      policies: [
        {
          Version: "2012-10-17",
          Statement: [
            { Sid: "MakeTheRuleAndPutTheEvent", Effect: "Allow", Action: ["events:PutRule", "events:PutTargets", "events:PutEvents"], Resource: "*" },
            { Sid: "ReadWhatTheRuleDelivers", Effect: "Allow", Action: ["sqs:CreateQueue", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"], Resource: "*" },
          ],
        },
      ],
    });
    const administrator = { accessKeyId: ADMINISTRATOR_KEYS[0], secretAccessKey: ADMINISTRATOR_KEYS[0] };
    const own = new STSClient({ region: "us-east-1", endpoint: emulator.endpoint, credentials: administrator });
    const { Credentials } = await own.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "test" }));
    const target = {
      region: "us-east-1",
      endpoint: emulator.endpoint,
      credentials: { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken },
    };
    const events = new EventBridgeClient(target);
    const sqs = new SQSClient(target);
    const name = `credential-report-urgent-${++rules}`;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
    await events.send(new PutRuleCommand({ Name: name, EventPattern: pattern }));
    // moto's default delivery leaves `account` out of the event; a transformer takes it along.
    const withAccount = { InputPathsMap: { account: "$.account", detail: "$.detail" }, InputTemplate: '{"account": "<account>", "detail": <detail>}' };
    await events.send(new PutTargetsCommand({ Rule: name, Targets: [{ Id: "queue", Arn: Attributes!.QueueArn!, InputTransformer: withAccount }] }));

    const { FailedEntryCount } = await events.send(new PutEventsCommand({ Entries: [summarizeEvent()] }));

    expect(FailedEntryCount).to.equal(0);
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    return Messages.map((m) => JSON.parse(m.Body!));
  }

  it("matches Summarize's event of a run with new critical or high findings put in the pipeline's account, and not the same event from another account", async () => {
    const pattern = documentedPattern(PIPELINE_ACCOUNT);

    const own = await delivered(pattern, PIPELINE_ACCOUNT);
    const other = await delivered(pattern, OTHER_ACCOUNT);

    expect(own.map((e) => e.account)).to.deep.equal([PIPELINE_ACCOUNT]);
    expect(own[0].detail).to.deep.equal(JSON.parse(summarizeEvent().Detail!));
    expect(other).to.deep.equal([]);
    // Only the account kept it out: the rule written for that account matches the same event there.
    expect((await delivered(documentedPattern(OTHER_ACCOUNT), OTHER_ACCOUNT)).map((e) => e.account)).to.deep.equal([OTHER_ACCOUNT]);
  });
});
