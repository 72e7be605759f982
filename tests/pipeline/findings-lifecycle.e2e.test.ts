import { PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { CreateVirtualMFADeviceCommand, EnableMFADeviceCommand } from "@aws-sdk/client-iam";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { type AwsSecurityFinding, paginateGetFindings } from "@aws-sdk/client-securityhub";
import { expect } from "chai";
import { awsClients, type AwsClients } from "../../local/aws-clients";
import { assumeInto, type DemoOrganization, seedDemoOrganization } from "../../emulator/demo-organization";
import { type Emulator, startEmulator } from "../../emulator/server";
import { type LocalRunOptions, runLocally } from "../../local/runner";
import type { AcceptedRisk } from "../../functions/analysis/accepted-risks";
import type { FindingChanges, StoredFinding } from "../../functions/analysis/changes";
import { silentLog } from "../../functions/log";
import { runPrefix } from "../../functions/run/report-keys";
import { DEFAULT_SETTINGS } from "../../functions/run/settings";
import { sendToSecurityHub } from "../../functions/aws/security-hub";
import type { SecurityHubResult } from "../../functions/run/contracts";
import { asffFinding, securityHubId } from "../../functions/analysis/security-hub-findings";
import { bucketSnapshot, emulatorTarget, publishedMessages, stackRunOptions } from "../helpers/emulator-data";
import { deployStack, type Deployment } from "../../emulator/deploy";
import { assumeRoleDenied, type FaultProxy, startFaultProxy } from "../helpers/fault-proxy";

// Three runs against moto, with Security Hub on: a finding fixed between runs 1 and 2, an account
// failing in run 2 and back in run 3, and an accepted risk whose day has passed by run 3. After each
// run, changes.json and every account's Security Hub hold exactly what they should.
describe("findings lifecycle end to end (moto on loopback)", function () {
  this.timeout(120_000);
  let emulator: Emulator;
  let proxy: FaultProxy;
  let direct: AwsClients;
  let org: DemoOrganization;
  let deployment: Deployment;
  // Of the demo's mix of users (usersFor): A and C have bob.smith, with a password and no MFA.
  let flaky: string; // B: fails in run 2
  let accepted: string; // A: bob.smith's finding accepted until run 3
  let fixed: string; // C: bob.smith gets MFA between runs 1 and 2
  const startedAt = new Date().toISOString();

  const rules = (bobAcceptedUntil: string): AcceptedRisk[] => [
    { check: "both-keys-active", account: "*", user: "rotation,two-keys", reason: "Key rotation in progress", owner: "platform@example.com", expires: "2099-12-31" },
    { check: "console-without-mfa", account: accepted, user: "bob.smith", reason: "MFA device on order", owner: "security@example.com", expires: bobAcceptedUntil },
  ];
  const run = async (runId: string, acceptedRisks: AcceptedRisk[], options: Partial<LocalRunOptions> = {}) => {
    const result = await runLocally(
      await stackRunOptions(deployment, proxy.endpoint, { settings: { ...DEFAULT_SETTINGS, maxConcurrency: 4 }, acceptedRisks, runId, ...options }),
    );
    if (result.status !== "succeeded") throw new Error(`${runId} failed: ${result.error}`);
    return result.summary.securityHub as SecurityHubResult;
  };
  const file = async <T>(runId: string, name: string): Promise<T> =>
    JSON.parse((await bucketSnapshot(direct.s3, org.bucket)).get(runPrefix({ id: runId, startedAt }) + name)!.body.toString());
  const ids = (findings: readonly { id: string }[]) => findings.map((f) => f.id).sort();
  /** What an account's Security Hub holds, by finding id. */
  const hubOf = async (accountId: string): Promise<Map<string, AwsSecurityFinding>> => {
    const client = direct.securityHubClient(accountId === org.managementAccountId ? undefined : await assumeInto(direct, accountId));
    const held: AwsSecurityFinding[] = [];
    for await (const page of paginateGetFindings({ client }, {})) held.push(...(page.Findings ?? []));
    expect(new Set(held.map((f) => f.Id)).size, `duplicates in ${accountId}`).to.equal(held.length);
    return new Map(held.map((f) => [f.Id!, f]));
  };
  const state = (f: AwsSecurityFinding | undefined) => f && `${f.RecordState} ${f.Workflow?.Status} ${f.Compliance?.Status}`;
  const bob = (accountId: string) => `${accountId}/bob.smith/console-without-mfa`;
  /** Where a stored finding is in Security Hub: its accepted id while accepted. */
  const hubId = (f: StoredFinding) => securityHubId(f.id, Boolean(f.acceptedRisk));
  const accounts = () => [org.managementAccountId, ...org.members.map((m) => m.id)];

  let sqs: SQSClient;
  let eventQueueUrl: string;
  let first: StoredFinding[];
  let firstHub: Map<string, Map<string, AwsSecurityFinding>>;
  const counts: Record<string, SecurityHubResult> = {};

  before(async () => {
    emulator = await startEmulator();
    proxy = await startFaultProxy(emulator.endpoint);
    direct = awsClients(emulatorTarget(emulator.endpoint));
    org = await seedDemoOrganization(direct, { memberAccounts: 4, ouNames: ["Workloads"], suspended: 0, bucket: "lifecycle-reports", topicName: "lifecycle-alerts" });
    [flaky, accepted, , fixed] = org.members.map((m) => m.id);
    deployment = await deployStack(emulator, org, { securityHub: "true" });
    // The runs' events, through a rule of one's own, into a queue the test reads.
    sqs = new SQSClient(emulatorTarget(emulator.endpoint));
    eventQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "lifecycle-events" }))).QueueUrl!;
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: eventQueueUrl, AttributeNames: ["QueueArn"] }))).Attributes!.QueueArn;
    await direct.events.send(new PutRuleCommand({ Name: "runs", EventPattern: JSON.stringify({ source: ["org-credential-reports"] }) }));
    await direct.events.send(new PutTargetsCommand({ Rule: "runs", Targets: [{ Id: "queue", Arn: queueArn }] }));
    counts.first = await run("lc-1", rules("2099-12-31"));
    first = (await file<{ findings: StoredFinding[] }>("lc-1", "findings.json")).findings;
    firstHub = new Map(await Promise.all(accounts().map(async (id) => [id, await hubOf(id)] as const)));
  });

  after(async () => {
    await proxy?.close();
    await emulator?.stop();
  });

  it("run 1: imports every finding into its own account's Security Hub, accepted risks suppressed with their reason", () => {
    const suppressed = first.filter((f) => f.acceptedRisk);
    expect(suppressed.map((f) => f.id)).to.include(bob(accepted)).and.not.include(bob(fixed));
    expect(counts.first).to.deep.equal({ accounts: 5, imported: first.length, suppressed: suppressed.length, archived: 0, workflowUpdated: 0, failedCount: 0, failed: [] });
    for (const accountId of accounts()) {
      const hub = firstHub.get(accountId)!;
      const own = first.filter((f) => f.accountId === accountId);
      expect([...hub.keys()].sort(), accountId).to.deep.equal(own.map(hubId).sort());
      for (const f of own) {
        const held = hub.get(hubId(f))!;
        expect(state(held), f.id).to.equal(f.acceptedRisk ? "ACTIVE SUPPRESSED FAILED" : "ACTIVE NEW FAILED");
        expect(held).to.deep.include({ AwsAccountId: accountId, ProductArn: `arn:aws:securityhub:us-east-1:${accountId}:product/${accountId}/default`, GeneratorId: `org-credential-reports/${f.checkId}` });
      }
    }
    const bobs = firstHub.get(accepted)!.get(`${bob(accepted)}/accepted`)!;
    expect(bobs.Note?.Text).to.equal("Accepted risk (console-without-mfa): MFA device on order. Owner security@example.com, until 2099-12-31.");
    expect(bobs.Compliance?.RelatedRequirements).to.deep.equal(["CIS AWS Foundations Benchmark v3.0.0/1.10"]);
    expect(bobs.Resources).to.deep.equal([
      { Type: "AwsIamUser", Id: `arn:aws:iam::${accepted}:user/bob.smith`, Partition: "aws", Region: "us-east-1", Details: { AwsIamUser: { UserName: "bob.smith" } } },
    ]);
  });

  describe("run 2: a finding fixed, an account failing", () => {
    let second: FindingChanges;

    before(async () => {
      const iam = direct.iamClient(await assumeInto(direct, fixed));
      const device = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: "bob-fixed" }));
      await iam.send(new EnableMFADeviceCommand({ UserName: "bob.smith", SerialNumber: device.VirtualMFADevice!.SerialNumber, AuthenticationCode1: "123456", AuthenticationCode2: "654321" }));
      proxy.addRule(assumeRoleDenied(flaky));
      counts.second = await run("lc-2", rules("2099-12-31"));
      proxy.reset();
      second = await file<FindingChanges>("lc-2", "changes.json");
    });

    it("resolves only the fixed finding, and carries the failed account's findings forward", () => {
      expect(ids(second.resolvedFindings)).to.deep.equal([bob(fixed)]);
      expect(second.newFindings).to.deep.equal([]);
      expect(ids(second.notRechecked)).to.deep.equal(ids(first.filter((f) => f.accountId === flaky)));
      expect(second.notRechecked.every((f) => f.lastSeenRunId === "lc-1")).to.equal(true);
    });

    it("archives the fixed finding, and leaves the failed account's Security Hub as it was", async () => {
      const inFixed = await hubOf(fixed);
      expect(state(inFixed.get(bob(fixed)))).to.equal("ARCHIVED NEW PASSED");
      expect(await hubOf(flaky)).to.deep.equal(firstHub.get(flaky));
      const rechecked = first.filter((f) => f.accountId !== flaky && f.id !== bob(fixed));
      expect(counts.second).to.deep.include({ accounts: 4, imported: rechecked.length, archived: 1, workflowUpdated: 0, failedCount: 0 });
    });

    it("says so in the run's event: the account not re-checked, its carried findings and what reached Security Hub", async () => {
      const received = [];
      for (let i = 0; i < 3; i++) received.push(...((await sqs.send(new ReceiveMessageCommand({ QueueUrl: eventQueueUrl, MaxNumberOfMessages: 10 }))).Messages ?? []));
      const events = received.map((m) => JSON.parse(m.Body!)).filter((event) => event.detail.runId === "lc-2");

      expect(events).to.have.length(1);
      const { detail } = events[0];
      expect(detail.notRecheckedAccounts).to.deep.equal([flaky]);
      expect(detail.findings).to.deep.include({ resolved: 1, new: 0, notRechecked: { findings: second.notRechecked.length, accounts: 1 } });
      expect(detail.securityHub).to.deep.equal({ imported: counts.second.imported, suppressed: counts.second.suppressed, archived: 1, workflowUpdated: 0, failed: 0 });
    });
  });

  describe("run 3: the account back, the accepted risk past its day", () => {
    let third: FindingChanges;
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

    before(async () => {
      counts.third = await run("lc-3", rules(yesterday));
      third = await file<FindingChanges>("lc-3", "changes.json");
    });

    it("brings the account's findings back as neither new nor resolved, and resolves nothing twice", () => {
      expect(third).to.deep.equal({ previousRunId: "lc-2", newFindings: [], resolvedFindings: [], notRechecked: [] });
    });

    it("re-opens the finding of the expired rule, keeps the archived one archived once, and duplicates nothing", async () => {
      const findings = (await file<{ findings: StoredFinding[]; expiredRules: AcceptedRisk[] }>("lc-3", "findings.json"));
      expect(findings.expiredRules).to.deep.equal([rules(yesterday)[1]]);
      expect(findings.findings.find((f) => f.id === bob(accepted))!.acceptedRisk).to.equal(undefined);
      // Moved back to its own id, NEW; its accepted id archived, still failing (no BatchUpdateFindings).
      const inAccepted = await hubOf(accepted);
      expect(state(inAccepted.get(bob(accepted)))).to.equal("ACTIVE NEW FAILED");
      expect(state(inAccepted.get(`${bob(accepted)}/accepted`))).to.equal("ARCHIVED SUPPRESSED FAILED");
      expect([...inAccepted.values()].filter((f) => f.RecordState === "ACTIVE").map((f) => f.Id).sort()).to.deep.equal(
        findings.findings.filter((f) => f.accountId === accepted).map(hubId).sort(),
      );
      expect(state((await hubOf(fixed)).get(bob(fixed)))).to.equal("ARCHIVED NEW PASSED");
      // The account back: the same findings, seen again in this run.
      const back = await hubOf(flaky);
      expect([...back.keys()].sort()).to.deep.equal([...firstHub.get(flaky)!.keys()].sort());
      expect([...back.values()].every((f) => f.LastObservedAt !== firstHub.get(flaky)!.get(f.Id!)!.LastObservedAt)).to.equal(true);
      expect(counts.third).to.deep.include({ accounts: 5, imported: first.length - 1, archived: 0, workflowUpdated: 1, failedCount: 0 });
      expect(counts.third.suppressed).to.equal(counts.first.suppressed - 1);
    });
  });

  it("sends at most 100 findings a call", async () => {
    proxy.reset();
    const many = Array.from({ length: 250 }, (_, i) => ({ ...first[0], id: `${org.managementAccountId}/user-${i}/console-without-mfa`, accountId: org.managementAccountId, user: `user-${i}` }));
    const context = { partition: "aws", region: "us-east-1", runId: "lc-many", runStartedAt: startedAt, now: startedAt, pageUrl: "https://example.com/report.html" };
    const findings = many.map((f) => asffFinding(f, context, { firstSeenAt: startedAt, archived: false }));

    const result = await sendToSecurityHub([{ accountId: org.managementAccountId, findings, twins: [], stateChanges: 0 }], {
      clientFor: async () => awsClients(emulatorTarget(proxy.endpoint)).securityHubClient(),
      log: silentLog,
    });

    expect(result).to.deep.include({ imported: 250, failedCount: 0 });
    expect(proxy.seen.filter((r) => r.action === "BatchImportFindings" && r.account === undefined).length).to.equal(3);
    const held = await hubOf(org.managementAccountId);
    expect(many.every((f) => held.has(f.id))).to.equal(true);
  });

  describe("under faults", () => {
    afterEach(() => proxy.reset());

    it("rides out throttling of BatchImportFindings", async () => {
      proxy.addRule({ service: "securityhub", action: "BatchImportFindings", times: 2, fault: { status: 429, code: "TooManyRequestsException", message: "Rate exceeded" } });

      const result = await run("lc-throttled", rules("2099-12-31"));

      expect(proxy.seen.filter((r) => r.action === "BatchImportFindings" && r.faultedBy === 0)).to.have.length(2);
      expect(result).to.deep.include({ accounts: 5, failedCount: 0 });
    });

    it("does not try again an account that refuses for good, and names it", async () => {
      proxy.addRule({ service: "securityhub", action: "BatchImportFindings", account: fixed, fault: { status: 403, code: "InvalidAccessException", message: "Account is not subscribed to AWS Security Hub" } });

      const result = await run("lc-not-enabled", rules("2099-12-31"));

      expect(proxy.seen.filter((r) => r.action === "BatchImportFindings" && r.account === fixed)).to.have.length(1);
      expect(new Set(result.failed.map((f) => `${f.accountId} ${f.error}`))).to.deep.equal(new Set([`${fixed} InvalidAccessException: Account is not subscribed to AWS Security Hub`]));
    });

    it("tries refused findings again, and names those still refused in the run summary without failing the run", async () => {
      const refuseAll = (times: number, account: string) => ({
        service: "securityhub",
        action: "BatchImportFindings",
        account,
        times,
        fault: {
          respond: (body: string) => {
            const sent: { Id: string }[] = JSON.parse(body).Findings;
            const failed = sent.map((f) => ({ Id: f.Id, ErrorCode: "InternalFailure", ErrorMessage: "try again" }));
            return { status: 200, body: JSON.stringify({ FailedCount: sent.length, SuccessCount: 0, FailedFindings: failed }) };
          },
        },
      });
      proxy.addRule(refuseAll(1, accepted));
      proxy.addRule(refuseAll(3, fixed));

      const result = await run("lc-refused", rules("2099-12-31"));

      const ofFixed = ids(first.filter((f) => f.accountId === fixed && f.id !== bob(fixed)));
      // Its findings refused once and sent again, then the open ids of its accepted findings archived.
      expect(proxy.seen.filter((r) => r.action === "BatchImportFindings" && r.account === accepted)).to.have.length(3);
      expect(result.failedCount).to.equal(ofFixed.length);
      expect(result.failed.map((f) => [f.accountId, f.id, f.error])).to.deep.equal(ofFixed.map((id) => [fixed, id, "InternalFailure: try again"]));
      const summaries = (await publishedMessages(emulator.endpoint)).filter((m) => m.message.startsWith("Credential report run lc-refused"));
      expect(summaries).to.have.length(1);
      expect(summaries[0].subject).to.contain("Security Hub import incomplete");
      expect(summaries[0].message).to.contain(`${ofFixed.length} could not be sent:\n- ${fixed} ${ofFixed[0]}: InternalFailure: try again`);
      // The run's files are all there: Security Hub is a copy.
      expect((await file<{ findings: unknown[] }>("lc-refused", "findings.json")).findings).to.have.length(first.length - 1);
    });
  });
});
