import { PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { expect } from "chai";
import { CHECKS } from "../../functions/analysis/findings";
import { awsClients, type AwsClients } from "../../local/aws-clients";
import { DEMO_STORIES, type DemoOrganization, seedDemoOrganization } from "../../emulator/demo-organization";
import { type Emulator, startEmulator } from "../../emulator/server";
import { runLocally, type LocalRunOptions } from "../../local/runner";
import { runPrefix } from "../../functions/run/report-keys";
import { DEFAULT_SETTINGS } from "../../functions/run/settings";
import type { Manifest } from "../../functions/summarize/manifest";
import { bucketSnapshot, emulatorTarget, publishedMessages, reportInEmulator, stackRunOptions } from "../helpers/emulator-data";
import { deployStack, type Deployment } from "../../emulator/deploy";
import { assumeRoleDenied, type FaultProxy, startFaultProxy } from "../helpers/fault-proxy";

// End to end: the deployed definition, run in-process, with real SDK calls over HTTP to moto on
// loopback. The fault proxy between them refuses AssumeRole into one account.
describe("pipeline end to end (moto on loopback)", function () {
  this.timeout(120_000);
  let emulator: Emulator;
  let proxy: FaultProxy;
  let direct: AwsClients;
  let org: DemoOrganization;
  let brokenAccountId: string;
  let suspendedAccountId: string;
  let firstRun: Awaited<ReturnType<typeof runLocally>>;
  let firstManifest: Manifest;
  let sqs: SQSClient;
  let eventQueueUrl: string;

  let deployment: Deployment;
  const runOptions = (): Promise<LocalRunOptions> => stackRunOptions(deployment, proxy.endpoint, { settings: { ...DEFAULT_SETTINGS, maxConcurrency: 8 } });

  before(async () => {
    emulator = await startEmulator();
    proxy = await startFaultProxy(emulator.endpoint);
    direct = awsClients(emulatorTarget(emulator.endpoint));
    // 24 members and the management account: more than one ListAccounts page of 20.
    org = await seedDemoOrganization(direct, { memberAccounts: 24, ouNames: ["Workloads", "Sandbox"], suspended: 1, bucket: "e2e-reports", topicName: "e2e-alerts" });
    deployment = await deployStack(emulator, org);
    suspendedAccountId = org.members.find((m) => m.suspended)!.id;
    // An account with only everyday users fails, so that every story of the demo is read.
    brokenAccountId = org.members.find((m, i) => !m.suspended && i + 1 >= DEMO_STORIES.length)!.id;
    proxy.addRule(assumeRoleDenied(brokenAccountId));
    // A rule of the user's own: the runs' events, into a queue the test reads.
    sqs = new SQSClient(emulatorTarget(emulator.endpoint));
    eventQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "run-events" }))).QueueUrl!;
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: eventQueueUrl, AttributeNames: ["QueueArn"] }))).Attributes!.QueueArn;
    await direct.events.send(
      new PutRuleCommand({ Name: "credential-report-runs", EventPattern: JSON.stringify({ source: ["org-credential-reports"], "detail-type": ["Credential Report Run Completed"] }) }),
    );
    await direct.events.send(new PutTargetsCommand({ Rule: "credential-report-runs", Targets: [{ Id: "queue", Arn: queueArn }] }));

    firstRun = await runLocally({ ...(await runOptions()), runId: "e2e-first" });
    if (firstRun.status !== "succeeded") throw new Error(`first run failed: ${firstRun.error}`);
    const stored = await bucketSnapshot(direct.s3, org.bucket);
    firstManifest = JSON.parse(stored.get(firstRun.summary.manifestKey)!.body.toString());
  });

  after(async () => {
    await proxy?.close();
    await emulator?.stop();
  });

  it("accounts for all 25 accounts: 23 collected, the broken one failed, the suspended one skipped", () => {
    expect(firstManifest.accounts).to.have.length(25);
    expect(firstManifest.counts).to.deep.equal({ accounts: 25, collected: 23, failed: 1, skipped: 1, skippedByStatus: { SUSPENDED: 1 }, unverified: 0 });
  });

  it("puts the run's event on the default bus, where a rule of one's own receives it", async () => {
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: eventQueueUrl, MaxNumberOfMessages: 10 }));
    const runEvents = (received.Messages ?? []).map((m) => JSON.parse(m.Body!)).filter((event) => event.detail.runId === "e2e-first");

    expect(runEvents).to.have.length(1);
    expect(runEvents[0]).to.deep.include({ source: "org-credential-reports", "detail-type": "Credential Report Run Completed" });
    expect(runEvents[0].detail.counts).to.deep.equal(firstManifest.counts);
    const folder = `s3://${org.bucket}/${runPrefix({ id: "e2e-first", startedAt: firstManifest.startedAt })}`;
    expect(runEvents[0].detail.manifest).to.equal(`${folder}manifest.json`);
    expect(runEvents[0].detail.report).to.equal(`${folder}report.html`);
    expect(runEvents[0].detail.findings.new).to.equal(runEvents[0].detail.findings.total);
  });

  it("stores every active account's report byte for byte as IAM returns it", async () => {
    const stored = await bucketSnapshot(direct.s3, org.bucket);
    const collected = firstManifest.accounts.filter((entry) => entry.status === "collected");
    expect(collected.map((entry) => entry.accountId).sort()).to.deep.equal(
      [org.managementAccountId, ...org.members.filter((m) => !m.suspended && m.id !== brokenAccountId).map((m) => m.id)].sort(),
    );
    for (const entry of collected) {
      const object = stored.get(entry.key!);
      expect(object, entry.key).to.not.equal(undefined);
      const expected = await reportInEmulator(direct, entry.accountId, org.managementAccountId);
      expect(object!.body.equals(expected), `bytes of ${entry.key}`).to.equal(true);
      expect(entry.bytes).to.equal(expected.length);
      // moto answers STARTED, then COMPLETE: the second try, within the first call, stores it.
      expect(entry.attempts).to.equal(1);
    }
  });

  it("names the suspended account in the manifest and stores nothing for it", async () => {
    expect(firstManifest.accounts.find((entry) => entry.accountId === suspendedAccountId)).to.deep.include({
      status: "skipped",
      skipReason: "SUSPENDED",
    });
    const stored = await bucketSnapshot(direct.s3, org.bucket);
    expect([...stored.keys()].filter((key) => key.includes(suspendedAccountId))).to.deep.equal([]);
  });

  it("records the broken account's failure in the manifest and lists it in the one SNS run summary", async () => {
    expect(firstManifest.accounts.find((entry) => entry.accountId === brokenAccountId)).to.deep.include({
      status: "failed",
      attempts: 1,
      errorType: "AssumeRoleFailed",
      errorCode: "AccessDenied",
    });
    const messages = await publishedMessages(emulator.endpoint);
    // No message per account: 10,000 failed accounts would be 10,000 mails.
    expect(messages.filter((m) => m.message.startsWith(`Account ${brokenAccountId} `))).to.deep.equal([]);
    const summaries = messages.filter((m) => m.message.startsWith("Credential report run e2e-first"));
    expect(summaries).to.have.length(1);
    expect(summaries[0].message).to.contain("23 collected, 1 failed, 1 skipped (1 SUSPENDED)");
    expect(summaries[0].message).to.contain(`- ${brokenAccountId} (${org.members.find((m) => m.id === brokenAccountId)!.name}): AssumeRoleFailed AccessDenied:`);
  });

  it("leaves every object of an earlier run unchanged when it runs again", async () => {
    const before = await bucketSnapshot(direct.s3, org.bucket);

    const second = await runLocally({ ...(await runOptions()), runId: "e2e-second" });

    expect(second.status).to.equal("succeeded");
    const after = await bucketSnapshot(direct.s3, org.bucket);
    for (const [key, object] of before) {
      expect(after.get(key)?.etag, key).to.equal(object.etag);
      expect(after.get(key)!.body.equals(object.body), key).to.equal(true);
    }
    const secondPrefix = runPrefix({ id: "e2e-second", startedAt: firstManifest.startedAt });
    const added = [...after.keys()].filter((key) => !before.has(key));
    // The account list, 23 reports and their 23 analyses (each with what IAM said), a manifest and nine analysis files (actions.jsonl empty)...
    expect(added.filter((key) => key.startsWith(secondPrefix))).to.have.length(1 + 23 * 2 + 1 + 9);
    // ...one PUT an account for what is derived: no account's IAM answers beside its report.
    expect(added.filter((key) => key.endsWith(".iam.json"))).to.deep.equal([]);
    // ...and the run's two files kept across runs.
    const day = secondPrefix.split("/")[1];
    expect(added.filter((key) => !key.startsWith(secondPrefix))).to.have.members([
      `credential-reports/history/runs/${day}/e2e-second.json`,
      `credential-reports/history/findings-parquet/${day}/e2e-second.parquet`,
    ]);
    // The Distributed Map's list and results are in the stack's map bucket, as Step Functions writes them.
    const mapFiles = [...(await bucketSnapshot(direct.s3, deployment.stack.outputs.mapBucketName)).keys()].filter((key) => key.startsWith("map-runs/run=e2e-second/"));
    expect(mapFiles.map((key) => key.replace(/[0-9a-f-]{36}/, "<map run>"))).to.have.members([
      "map-runs/run=e2e-second/accounts-to-collect.json",
      "map-runs/run=e2e-second/<map run>/manifest.json",
      "map-runs/run=e2e-second/<map run>/SUCCEEDED_0.json",
    ]);
  });

  it("analyses each run beside its manifest and compares it with the run before", async () => {
    const stored = await bucketSnapshot(direct.s3, org.bucket);
    const file = (runId: string, name: string) => stored.get(runPrefix({ id: runId, startedAt: firstManifest.startedAt }) + name)!.body.toString();
    const first = JSON.parse(file("e2e-first", "findings.json"));
    // The emulator writes IAM's dates and root rows: every check of the demo's stories fires, and no
    // report is stale at the default limit (break-glass checks need the accepted risks, not given
    // here, and every user's MFA mfaForEveryUser, off by default).
    const fired = new Set(first.findings.map((f: { checkId: string }) => f.checkId));
    expect([...fired].sort()).to.deep.equal(
      Object.keys(CHECKS)
        .filter((check) => check !== "report-stale" && check !== "user-without-mfa" && !check.startsWith("break-glass"))
        .sort(),
    );
    const usersCsv = file("e2e-first", "users.csv");
    // The demo's "rotation,two-keys" user, with a quote and a comma in its path, which moto writes unquoted, comes out as one quoted cell each.
    expect(usersCsv).to.match(/^\d{12},[^,\n]*,"rotation,two-keys","arn:aws:iam::\d{12}:user\/platform\/""core"",infra\/rotation,two-keys",/m);
    const second = JSON.parse(file("e2e-second", "changes.json"));
    expect(second.previousRunId).to.equal("e2e-first");
    expect(second.newFindings).to.deep.equal([]);
    expect(second.resolvedFindings).to.deep.equal([]);
    expect(JSON.parse(file("e2e-second", "summary.json")).totals).to.deep.include({ accounts: 23 });
    expect(file("e2e-second", "report.html")).to.match(/^<!doctype html>/);
  });

  it("carries an account's findings forward, neither resolved nor new, while it fails to collect and when it is back", async () => {
    const changesOf = async (runId: string) =>
      JSON.parse((await bucketSnapshot(direct.s3, org.bucket)).get(runPrefix({ id: runId, startedAt: firstManifest.startedAt }) + "changes.json")!.body.toString());
    const findingsOf = async (runId: string) =>
      JSON.parse((await bucketSnapshot(direct.s3, org.bucket)).get(runPrefix({ id: runId, startedAt: firstManifest.startedAt }) + "findings.json")!.body.toString()).findings;
    const before: { id: string; accountId: string }[] = await findingsOf("e2e-second");
    // The member account with the most findings.
    const count = (account: string) => before.filter((f) => f.accountId === account).length;
    const flaky = org.members.map((m) => m.id).reduce((most, id) => (count(id) > count(most) ? id : most));
    const ofFlaky = before.filter((f) => f.accountId === flaky);

    proxy.addRule(assumeRoleDenied(flaky));
    expect((await runLocally({ ...(await runOptions()), runId: "e2e-third" })).status).to.equal("succeeded");
    const third = await changesOf("e2e-third");
    proxy.reset();
    proxy.addRule(assumeRoleDenied(brokenAccountId));
    expect((await runLocally({ ...(await runOptions()), runId: "e2e-fourth" })).status).to.equal("succeeded");
    const fourth = await changesOf("e2e-fourth");

    expect(ofFlaky.length).to.be.above(1);
    expect(third).to.deep.include({ previousRunId: "e2e-second", newFindings: [], resolvedFindings: [] });
    expect(third.notRechecked).to.deep.equal(ofFlaky.map((f) => ({ ...f, lastSeenRunId: "e2e-second" })));
    expect(fourth).to.deep.equal({ previousRunId: "e2e-third", newFindings: [], resolvedFindings: [], notRechecked: [] });
    // Back, with the same findings (their evidence dated by this run).
    const ids = (findings: { id: string; accountId: string }[]) => findings.filter((f) => f.accountId === flaky).map((f) => f.id);
    expect(ids(await findingsOf("e2e-fourth"))).to.deep.equal(ids(ofFlaky));
  });

  it("fails the run as a whole, with a notice, when the accounts cannot be listed", async () => {
    const run = await runLocally({ ...(await runOptions()), runId: "e2e-no-such-ou", scope: { includeOuIds: ["ou-zzzz-zzzzzzzz"], excludeAccountIds: [] } });

    expect(run).to.deep.include({ status: "failed" });
    expect((run as { error: string }).error).to.equal("ListAccountsFailed ParentNotFoundException: You specified parent that doesn't exist.");
    const notices = (await publishedMessages(emulator.endpoint)).filter((m) => m.message.startsWith("Credential report run e2e-no-such-ou failed"));
    expect(notices).to.have.length(1);
    expect(notices[0].message).to.contain("ListAccountsFailed");
  });

  it("re-running a run id only adds what is missing and overwrites nothing", async () => {
    const before = await bucketSnapshot(direct.s3, org.bucket);
    proxy.reset();

    const again = await runLocally({ ...(await runOptions()), runId: "e2e-first" });

    proxy.addRule(assumeRoleDenied(brokenAccountId));
    expect(again.status).to.equal("succeeded");
    const after = await bucketSnapshot(direct.s3, org.bucket);
    // Only the account that failed before is new (its report and its analysis, with what IAM said), beside the new Map run's results.
    const added = [...after.keys()].filter((key) => !before.has(key));
    const folder = runPrefix({ id: "e2e-first", startedAt: firstManifest.startedAt });
    expect(added.filter((key) => key.startsWith("credential-reports/")).sort()).to.deep.equal(
      ["analysis.json", "csv"].map((ending) => `${folder}account=${brokenAccountId}.${ending}`),
    );
    expect(added.filter((key) => !key.startsWith("map-runs/run=e2e-first/"))).to.have.length(2);
    for (const [key, object] of before) expect(after.get(key)!.etag, key).to.equal(object.etag);
  });
});
