import { PutAlternateContactCommand } from "@aws-sdk/client-account";
import { CreateAccessKeyCommand, CreateUserCommand, ListAccessKeysCommand } from "@aws-sdk/client-iam";
import { TagResourceCommand } from "@aws-sdk/client-organizations";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { expect } from "chai";
import { type AwsClients, awsClients } from "../../local/aws-clients";
import { assumeInto, type DemoOrganization, seedDemoOrganization } from "../../emulator/demo-organization";
import { setCredentialState } from "../../emulator/credential-state";
import { type Emulator, startEmulator } from "../../emulator/server";
import { deployStack, type Deployment } from "../../emulator/deploy";
import { runLocally } from "../../local/runner";
import type { KeyAction } from "../../functions/analysis/fixes/key-remediation";
import { deactivateKeys } from "../../functions/aws/deactivate-keys";
import type { StoredFinding } from "../../functions/analysis/changes";
import type { StoredAccountList } from "../../functions/storage/account-list";
import { accountListKey, analysisKey } from "../../functions/run/report-keys";
import type { RunRef } from "../../functions/run/contracts";
import { emulatorTarget, publishedMessages, stackRunOptions } from "../helpers/emulator-data";

const DAY_MS = 86_400_000;
const daysAgo = (days: number, from = new Date()) => new Date(from.getTime() - days * DAY_MS).toISOString();

/**
 * An organization of three members (Payments, Data, Payments) and its management account, each
 * with an owner from a different source, and users whose keys make every case of remediation:
 * - members[0] (owners file, by account): deploy-bot, a key unused 200 days (due); ci-runner, one
 *   unused 60 days (a finding, not yet due); glass, a break-glass user's key unused 300 days;
 * - members[1] (owners file, by OU "Data"; also tagged, which the file's order wins over):
 *   report-bot, a key unused 150 days (due);
 * - members[2] (its Organizations tag): a root user with an active access key (critical);
 * - the management account (its SECURITY alternate contact).
 */
async function seedLoop(direct: AwsClients, endpoint: string, bucket: string): Promise<DemoOrganization> {
  const org = await seedDemoOrganization(direct, { memberAccounts: 3, ouNames: ["Payments", "Data"], suspended: 0, bucket, topicName: `${bucket}-alerts`, withUsers: false });
  const [m0, m1, m2] = org.members.map((m) => m.id);
  const keyUser = async (accountId: string, name: string) => {
    const iam = direct.iamClient(await assumeInto(direct, accountId));
    await iam.send(new CreateUserCommand({ UserName: name }));
    await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  };
  for (const name of ["deploy-bot", "ci-runner", "glass"]) await keyUser(m0, name);
  await keyUser(m1, "report-bot");
  const unused = (made: number, used: number) => ({ createdAt: daysAgo(400), accessKeys: [{ createdAt: daysAgo(made), lastUsed: { date: daysAgo(used), region: "us-east-1", service: "s3" } }] });
  await setCredentialState(endpoint, { accountId: m0, users: { "deploy-bot": unused(400, 200), "ci-runner": unused(100, 60), glass: unused(500, 300) } });
  await setCredentialState(endpoint, { accountId: m1, users: { "report-bot": unused(300, 150) } });
  await setCredentialState(endpoint, { accountId: m2, root: { createdAt: daysAgo(900), mfaActive: true, accessKeys: [{ active: true, createdAt: daysAgo(300) }] } });
  await direct.organizations.send(new TagResourceCommand({ ResourceId: m1, Tags: [{ Key: "security-contact", Value: "tagged-but-filed@example.com" }] }));
  await direct.organizations.send(new TagResourceCommand({ ResourceId: m2, Tags: [{ Key: "security-contact", Value: "bob@example.com" }] }));
  await direct.account.send(new PutAlternateContactCommand({ AlternateContactType: "SECURITY", EmailAddress: "carol@example.com", Name: "Carol", Title: "Security", PhoneNumber: "+1555000000" }));
  return org;
}

function stackConfig(org: DemoOrganization, remediation: string, noticeDays: number): Record<string, string> {
  const [m0] = org.members.map((m) => m.id);
  return {
    remediation,
    remediationNoticeDays: String(noticeDays),
    ownerSources: "file,tag,contact",
    ownerTagKey: "security-contact",
    owners: JSON.stringify({ owners: [{ account: m0, to: ["alice@example.com"] }, { ou: "Data", to: ["data-team@example.com"] }] }),
    acceptedRisks: JSON.stringify({
      acceptedRisks: [{ kind: "break-glass", account: m0, user: "glass", reason: "Break-glass access", owner: "security@example.com", expires: "2099-12-31" }],
    }),
  };
}

describe("close the loop (moto behind the layer, the deployed stack)", function () {
  this.timeout(240_000);

  // A notice of 7 days: the first runs only tell the owners what comes due.
  describe("owners, and remediation in a dry run", () => {
    let emulator: Emulator;
    let direct: AwsClients;
    let org: DemoOrganization;
    let deployment: Deployment;
    let sqs: SQSClient;
    let aliceQueue: string;
    let dataQueue: string;
    let centralQueue: string;
    let ownerlessQueue: string;
    let run2: RunRef;
    let forcedRefusals: string;
    const text = async (key: string) => (await (await direct.s3.send(new GetObjectCommand({ Bucket: org.bucket, Key: key }))).Body!.transformToString());

    before(async () => {
      emulator = await startEmulator();
      direct = awsClients(emulatorTarget(emulator.endpoint));
      org = await seedLoop(direct, emulator.endpoint, "loop-dry-run");
      deployment = await deployStack(emulator, org, stackConfig(org, "dry-run", 7));
      // Each owner's subscription filters on the owner attribute, into a queue the test reads.
      sqs = new SQSClient(emulatorTarget(emulator.endpoint));
      const subscribe = async (name: string, filter?: object) => {
        const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
        const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }))).Attributes!.QueueArn!;
        const Attributes: Record<string, string> = { RawMessageDelivery: "true", ...(filter ? { FilterPolicy: JSON.stringify(filter) } : {}) };
        await direct.sns.send(new SubscribeCommand({ TopicArn: deployment.stack.outputs.topicArn, Protocol: "sqs", Endpoint: arn, Attributes }));
        return url;
      };
      aliceQueue = await subscribe("alice", { owner: ["alice@example.com"] });
      dataQueue = await subscribe("data-team", { owner: ["data-team@example.com"] });
      // As the stack's own email subscriptions: no filter. And one that asks for messages without an owner.
      centralQueue = await subscribe("central");
      ownerlessQueue = await subscribe("ownerless", { owner: [{ exists: false }] });

      // A trial first, as if the stack had no notice: a dry run, then one forced past the stack's rights.
      const trial = (runId: string, dryRun: boolean) => stackRunOptions(deployment, emulator.endpoint, { runId, remediation: { enabled: true, dryRun, unusedDays: 90, noticeDays: 0 } });
      expect((await runLocally(await trial("loop-dry", true))).status).to.equal("succeeded");
      expect((await runLocally(await trial("loop-forced", false))).status).to.equal("succeeded");
      forcedRefusals = JSON.stringify(emulator.authorizer!.refusals);
      emulator.authorizer!.resetRefusals();

      // Then the stack as deployed, with its 7 days of notice.
      const first = await runLocally(await stackRunOptions(deployment, emulator.endpoint, { runId: "loop-1" }));
      expect(first.status, "error" in first ? first.error : "").to.equal("succeeded");
      const second = await runLocally(await stackRunOptions(deployment, emulator.endpoint, { runId: "loop-2" }));
      expect(second.status, "error" in second ? second.error : "").to.equal("succeeded");
      run2 = { id: "loop-2", startedAt: new Date().toISOString() };
    });
    after(async () => {
      await emulator?.stop();
    });

    it("reads each account's owners once, from the file, the tag and the contact, in the stack's order", async () => {
      const list = JSON.parse(await text(accountListKey(run2))) as StoredAccountList;
      const owners = Object.fromEntries(list.accounts.map((a) => [a.id, a.owners && `${a.owners.source}: ${a.owners.to.join(" ")}`]));
      const [m0, m1, m2] = org.members.map((m) => m.id);
      expect(owners).to.deep.equal({
        [m0]: "file: alice@example.com",
        // The OU rule of the file comes before the account's tag.
        [m1]: "file: data-team@example.com",
        [m2]: "tag: bob@example.com",
        [org.managementAccountId]: "contact: carol@example.com",
      });
      expect(list.accounts.find((a) => a.id === m1)?.ou).to.equal("Data");
      expect(emulator.authorizer!.refusals).to.deep.equal([]);
    });

    it("sends each owner only their own accounts, routed by the subscriptions' filter policies", async () => {
      const received = async (url: string) => (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageAttributeNames: ["All"] }))).Messages ?? [];
      const [m0, m1, m2] = org.members.map((m) => m.id);
      const alice = await received(aliceQueue);
      // Run 1 had nothing due yet but the keys coming due: its message and run 2's.
      expect(alice.length).to.be.greaterThan(0);
      for (const message of alice) {
        expect(message.MessageAttributes?.owner?.StringValue).to.equal("alice@example.com");
        expect(message.Body).to.include(m0);
        for (const other of [m1, m2, org.managementAccountId]) expect(message.Body).to.not.include(other);
      }
      // Told before: the key comes due a notice period after its finding was first seen.
      const latest = alice.at(-1)!.Body!;
      expect(latest).to.include("Access keys to be deactivated unless they are used or their risk is accepted:");
      expect(latest).to.match(new RegExp(`- deploy-bot \\(${m0}\\) access_key_1, unused 200 days: from ${daysAgo(-7).slice(0, 10)}`));
      const due = latest.slice(latest.indexOf("Access keys to be deactivated"));
      // A break-glass user's key is covered by its rule, and ci-runner's is under the threshold; report-bot is not alice's.
      for (const user of ["ci-runner", "glass", "report-bot"]) expect(due).to.not.include(user);
      expect(latest).to.not.include("report-bot");
      const data = await received(dataQueue);
      expect(data.length).to.be.greaterThan(0);
      for (const message of data) {
        expect(message.Body).to.include(m1);
        expect(message.Body).to.not.include("deploy-bot");
      }
      // An unfiltered subscription hears the run summaries and the owners' messages alike.
      const central = await received(centralQueue);
      expect(central.some((m) => m.Body!.includes("Sent because: ") && m.MessageAttributes?.owner === undefined)).to.equal(true);
      expect(central.some((m) => m.MessageAttributes?.owner?.StringValue === "alice@example.com")).to.equal(true);
      // SNS matches no filter policy against a message without attributes, `"exists": false` included:
      // a filter cannot keep the owners' messages from the central team without losing the run summaries.
      expect(await received(ownerlessQueue)).to.deep.equal([]);
    });

    it("acts on no key before its notice period ends", async () => {
      expect(await text(analysisKey(run2, "actions"))).to.equal("");
      const summary = JSON.parse(await text(analysisKey(run2, "summary")));
      expect(summary.remediation).to.include({ deactivated: 0, wouldDeactivate: 0, scheduled: 2 });
    });

    it("in a dry run lists the due keys and changes nothing: never a covered, too recent or root key", async () => {
      const run = { id: "loop-dry", startedAt: new Date().toISOString() };
      const actions = (await text(analysisKey(run, "actions")))
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as KeyAction);
      expect(actions.map((a) => `${a.user} ${a.outcome}`).sort()).to.deep.equal(["deploy-bot would-deactivate", "report-bot would-deactivate"]);
      expect(actions.every((a) => a.undo?.startsWith("aws iam update-access-key") && a.accessKeyId)).to.equal(true);
      const [m0] = org.members.map((m) => m.id);
      const keys = await direct.iamClient(await assumeInto(direct, m0)).send(new ListAccessKeysCommand({ UserName: "deploy-bot" }));
      expect(keys.AccessKeyMetadata?.map((k) => k.Status)).to.deep.equal(["Active"]);
      const summary = JSON.parse(await text(analysisKey(run, "summary")));
      expect(summary.remediation).to.include({ deactivated: 0, wouldDeactivate: 2 });
    });

    it("gives the member role no right to deactivate a key in a dry run: the layer refuses it", async () => {
      const run = { id: "loop-forced", startedAt: new Date().toISOString() };
      const actions = (await text(analysisKey(run, "actions"))).trim().split("\n").map((line) => JSON.parse(line) as KeyAction);
      expect(actions.length).to.equal(2);
      for (const action of actions) {
        expect(action.outcome).to.equal("left");
        expect(action.reason).to.match(/^AccessDenied/);
      }
      expect(forcedRefusals).to.include("iam:UpdateAccessKey");
    });
  });

  // No notice (0 days, a trial): the first run that finds a key past its threshold acts.
  describe("remediation on", () => {
    let emulator: Emulator;
    let direct: AwsClients;
    let org: DemoOrganization;
    let deployment: Deployment;
    const text = async (key: string) => (await (await direct.s3.send(new GetObjectCommand({ Bucket: org.bucket, Key: key }))).Body!.transformToString());
    const today = () => new Date().toISOString().slice(0, 10);
    const runOf = (id: string): RunRef => ({ id, startedAt: `${today()}T00:00:00.000Z` });
    const actionsOf = async (id: string) =>
      (await text(analysisKey(runOf(id), "actions")))
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as KeyAction);

    before(async () => {
      emulator = await startEmulator();
      direct = awsClients(emulatorTarget(emulator.endpoint));
      org = await seedLoop(direct, emulator.endpoint, "loop-on");
      deployment = await deployStack(emulator, org, stackConfig(org, "on", 0));
      const run = async (runId: string) => {
        const result = await runLocally(await stackRunOptions(deployment, emulator.endpoint, { runId }));
        expect(result.status, "error" in result ? result.error : "").to.equal("succeeded");
      };
      await run("on-1");
      // IAM makes a new report only when the one it holds is four hours old.
      for (const account of [org.members[0].id, org.members[1].id]) await setCredentialState(emulator.endpoint, { accountId: account, reportGeneratedAt: daysAgo(1) });
      await run("on-2");
      // Every read and deactivation was allowed by the deployed policies: a refusal the lookups swallow would show here.
      expect(emulator.authorizer!.refusals).to.deep.equal([]);
    });
    after(async () => {
      await emulator?.stop();
    });

    it("deactivates a key past both thresholds, never deletes it, and names the undo command", async () => {
      const actions = await actionsOf("on-1");
      expect(actions.map((a) => `${a.user} ${a.outcome}`).sort()).to.deep.equal(["deploy-bot deactivated", "report-bot deactivated"]);
      const iam = direct.iamClient(await assumeInto(direct, org.members[0].id));
      const keys = (await iam.send(new ListAccessKeysCommand({ UserName: "deploy-bot" }))).AccessKeyMetadata ?? [];
      expect(keys.map((k) => `${k.AccessKeyId} ${k.Status}`)).to.deep.equal([`${actions.find((a) => a.user === "deploy-bot")!.accessKeyId} Inactive`]);
      const others = await Promise.all(["ci-runner", "glass"].map(async (user) => (await iam.send(new ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata?.[0]?.Status));
      expect(others).to.deep.equal(["Active", "Active"]);
      expect(actions.find((a) => a.user === "deploy-bot")!.undo).to.equal(
        `aws iam update-access-key --user-name deploy-bot --access-key-id ${keys[0].AccessKeyId} --status Active  # in account ${org.members[0].id}`,
      );
      const event = JSON.parse(await text(analysisKey(runOf("on-1"), "summary")));
      expect(event.remediation).to.include({ deactivated: 2, wouldDeactivate: 0 });
      // The central notice is sent for it, and names where each action and its undo command are.
      const central = (await publishedMessages(emulator.endpoint)).filter((m) => m.subject.includes("2 access key(s) deactivated"));
      expect(central).to.have.length(1);
      expect(central[0].message).to.include(`Remediation: 2 access key(s) deactivated (never deleted), 0 would be in a dry run`).and.include(`s3://${org.bucket}/${analysisKey(runOf("on-1"), "actions")}`);
    });

    it("acts on each key exactly once", async () => {
      expect(await actionsOf("on-2")).to.deep.equal([]);
    });

    it("shows the next run's finding resolved, fixed by the pipeline", async () => {
      const changes = JSON.parse(await text(analysisKey(runOf("on-2"), "changes"))) as { resolvedFindings: StoredFinding[] };
      const fixed = changes.resolvedFindings.filter((f) => f.fixedByPipelineAt).map((f) => f.id);
      expect(fixed.sort()).to.deep.equal([`${org.members[0].id}/deploy-bot/credential-unused/access_key_1`, `${org.members[1].id}/report-bot/credential-unused/access_key_1`].sort());
      const summary = JSON.parse(await text(analysisKey(runOf("on-2"), "summary")));
      expect(summary.remediation.fixedByPipeline).to.equal(2);
      const page = await text(analysisKey(runOf("on-2"), "html"));
      expect(page).to.include("fixed by the pipeline");
    });

    it("acts on a key once however often a try is retried: a key it deactivated is its record's, not someone else's", async () => {
      const accountId = org.members[0].id;
      const iam = direct.iamClient(await assumeInto(direct, accountId));
      await iam.send(new CreateUserCommand({ UserName: "retry-bot" }));
      await iam.send(new CreateAccessKeyCommand({ UserName: "retry-bot" }));
      await setCredentialState(emulator.endpoint, { accountId, users: { "retry-bot": { accessKeys: [{ createdAt: daysAgo(300), lastUsed: { date: daysAgo(200), region: "us-east-1", service: "s3" } }] } } });
      const due = {
        finding: { id: `${accountId}/retry-bot/credential-unused/access_key_1`, checkId: "credential-unused" as const, severity: "medium" as const, cisControl: "1.12", accountId, user: "retry-bot", credential: "access_key_1" as const, evidence: {}, message: "" },
        daysUnused: 200,
        createdAt: (await iam.send(new ListAccessKeysCommand({ UserName: "retry-bot" }))).AccessKeyMetadata![0].CreateDate!.toISOString(),
      };
      const settings = { enabled: true, dryRun: false, unusedDays: 90, noticeDays: 0 };
      const recordsIn = (store: Map<string, KeyAction>) => ({
        recorded: async (key: typeof due) => store.get(key.finding.id),
        record: async (action: KeyAction) => (store.get(action.findingId) ?? (store.set(action.findingId, action), action)),
      });
      const store = new Map<string, KeyAction>();
      const [first] = await deactivateKeys(iam, [due], settings, new Date(), recordsIn(store));
      const [retried] = await deactivateKeys(iam, [due], settings, new Date(), recordsIn(store));
      expect(first.outcome).to.equal("deactivated");
      expect(retried).to.deep.equal(first);
      // Without its record, the deed would read as someone else's.
      const [forgotten] = await deactivateKeys(iam, [due], settings, new Date(), recordsIn(new Map()));
      expect(forgotten).to.include({ outcome: "left", reason: "already Inactive" });
    });

    it("never touches the root user's key", async () => {
      const all = [...(await actionsOf("on-1")), ...(await actionsOf("on-2"))];
      expect(all.some((a) => a.user === "<root_account>")).to.equal(false);
    });
  });
});
