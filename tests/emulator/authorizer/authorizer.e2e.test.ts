import { GetCredentialReportCommand, IAMClient } from "@aws-sdk/client-iam";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { expect } from "chai";
import { type Deployment, deployStack } from "../../../emulator/deploy";
import { seedDemoOrganization } from "../../../emulator/demo-organization";
import { type Emulator, startEmulator } from "../../../emulator/server";
import type { Refusal } from "../../../emulator/authorizer/authorizer";
import { awsClients } from "../../../local/aws-clients";
import { type LocalRunResult, runLocally } from "../../../local/runner";
import type { PolicyDocument } from "../../../policies/document";
import { securityHubSessionPolicy } from "../../../policies/session-policies";
import { manifestKey } from "../../../functions/run/report-keys";
import { emulatorTarget, stackRunOptions } from "../../helpers/emulator-data";

const without = (policy: PolicyDocument, ...sids: string[]): PolicyDocument => ({ ...policy, Statement: policy.Statement.filter((s) => !sids.includes(s.Sid)) });

// The layer bites: with one statement of a deployed policy removed (or a grant added that a Deny
// must still beat), the run is refused exactly where AWS would refuse it. One case per policy kind.
describe("the authorizing layer judges by the deployed policies (moto behind it)", function () {
  this.timeout(120_000);
  let emulator: Emulator;
  let deployment: Deployment;
  let calm: LocalRunResult;
  const run = async (runId: string) => runLocally(await stackRunOptions(deployment, emulator.endpoint, { runId }));
  const refusedBy = (kind: string): Refusal[] => emulator.authorizer!.refusals.filter((r) => r.why.endsWith(`by the ${kind} policy`));

  before(async () => {
    emulator = await startEmulator();
    const org = await seedDemoOrganization(awsClients(emulatorTarget(emulator.endpoint)), { memberAccounts: 3, ouNames: ["A"], suspended: 0, bucket: "judged-reports", topicName: "judged-alerts" });
    deployment = await deployStack(emulator, org, { kmsKey: "new", securityHub: "true" });
    calm = await run("calm");
  });
  afterEach(() => emulator.authorizer!.resetRefusals());
  after(() => emulator?.stop());

  it("allows the whole run under the deployed policies, the report key's use through S3 included, and judged every request", () => {
    expect(calm.status, calm.status === "failed" ? calm.error : "").to.equal("succeeded");
    if (calm.status === "succeeded") expect(calm.summary.counts).to.include({ collected: 4, failed: 0 });
    expect(emulator.authorizer!.refusals).to.deep.equal([]);
    expect(emulator.authorizer!.unjudged).to.deep.equal([]);
    expect([...deployment.stack.bucketKeys.values()][0].keyArn).to.match(/^arn:aws:kms:/);
  });

  it("identity: without ReadOwnAccountCredentialReport the collector cannot read the management account's report", async () => {
    const { collectorRoleArn } = deployment.stack.outputs;
    const role = deployment.stack.roles.get(collectorRoleArn)!;
    emulator.authorizer!.addRole({ ...role, policies: role.policies.map((p) => without(p, "ReadOwnAccountCredentialReport")) });
    try {
      const result = await run("identity");
      expect(result.status === "succeeded" && result.summary.counts).to.include({ collected: 3, failed: 1 });
      expect(refusedBy("identity").map((r) => r.what)).to.include("iam:GenerateCredentialReport on *");
    } finally {
      emulator.authorizer!.addRole(role);
    }
  });

  it("session: Summarize's session of the member role may send findings, not read the report the role allows", async () => {
    const [member] = deployment.org.members;
    const summarize = (await deployment.identities()).summarize;
    const { Credentials: c } = await summarize.sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${member.id}:role/${deployment.stack.memberRole.name}`,
        RoleSessionName: "credreport-session-test",
        DurationSeconds: 900,
        Policy: JSON.stringify(securityHubSessionPolicy({ partition: "aws", region: "us-east-1", accountId: member.id })),
      }),
    );
    const iam = new IAMClient({ region: "us-east-1", endpoint: emulator.endpoint, credentials: { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken } });

    const refused = await iam.send(new GetCredentialReportCommand({})).catch((err: Error) => err);

    expect(refused).to.have.property("name", "AccessDenied");
    expect((refused as Error).message).to.contain("because no session policy allows the iam:GetCredentialReport action");
  });

  it("bucket: the collector granted every PutObject by its own policy still cannot write the manifest: the bucket policy denies it", async () => {
    const { collectorRoleArn, bucketName } = deployment.stack.outputs;
    const role = deployment.stack.roles.get(collectorRoleArn)!;
    const everyPut: PolicyDocument = { Version: "2012-10-17", Statement: [{ Sid: "EveryPut", Effect: "Allow", Action: "s3:PutObject", Resource: "*" }] };
    emulator.authorizer!.addRole({ ...role, policies: [...role.policies, everyPut] });
    try {
      const collector = (await deployment.identities()).collector;
      const key = manifestKey({ id: "calm", startedAt: new Date().toISOString() }).replace("run=calm", "run=forged");
      const refused = await collector.s3.send(new PutObjectCommand({ Bucket: bucketName, Key: key, Body: "{}", IfNoneMatch: "*" })).catch((err: Error) => err);
      expect(refused).to.have.property("name", "AccessDenied");
      expect(refusedBy("resource")[0].statements).to.deep.equal(["DenyCollectorWritesBeyondItsFiles"]);
    } finally {
      emulator.authorizer!.addRole(role);
    }
  });

  it("key: a report key whose policy no longer lets the writers (or the account's IAM) use it refuses every report through S3", async () => {
    const [{ keyArn }] = [...deployment.stack.bucketKeys.values()];
    const policy = deployment.stack.keyPolicies.get(keyArn)!;
    emulator.authorizer!.setKeyPolicy(keyArn, without(policy, "AllowPipelineToEncryptThroughS3", "AllowKeyAccountToAdminister"));
    try {
      const result = await run("key");
      // ListAccounts could not store the account list: the run fails, and says so.
      expect(result.status).to.equal("failed");
      const kms = refusedBy("resource").filter((r) => r.what.startsWith("kms:GenerateDataKey"));
      expect(kms.length).to.be.greaterThan(0);
      expect(kms[0].what).to.equal(`kms:GenerateDataKey on ${keyArn}`);
    } finally {
      emulator.authorizer!.setKeyPolicy(keyArn, policy);
    }
  });

  it("topic: without Summarize among its publishers, the topic policy refuses the run summary", async () => {
    const [[topicArn, policy]] = [...deployment.stack.topicPolicies];
    const { summarizeRoleArn } = deployment.stack.outputs;
    const withoutSummarize = JSON.parse(JSON.stringify(policy).split(`"${summarizeRoleArn}",`).join("").split(`,"${summarizeRoleArn}"`).join("")) as PolicyDocument;
    expect(JSON.stringify(withoutSummarize)).to.not.contain(summarizeRoleArn);
    // A reason to send: one account's member role gone.
    const [member] = deployment.org.members;
    const memberRole = `arn:aws:iam::${member.id}:role/${deployment.stack.memberRole.name}`;
    emulator.authorizer!.removeRole(memberRole);
    emulator.authorizer!.setTopicPolicy(topicArn, withoutSummarize);
    try {
      const result = await run("topic");
      expect(result.status).to.equal("failed");
      const refused = refusedBy("resource").filter((r) => r.operation === "sns:Publish");
      expect(refused.map((r) => r.statements)).to.deep.equal([["DenyPublishByAnyoneElse"]]);
    } finally {
      emulator.authorizer!.setTopicPolicy(topicArn, policy);
      const { trust, policy: rolePolicy } = deployment.stack.memberRole.inAccount(member.id);
      emulator.authorizer!.addRole({ arn: memberRole, trust, policies: [rolePolicy] });
    }
  });

  it("services: EventBridge and CloudWatch publish under the topic's policy and its key's, and only there", async () => {
    const [[topicArn, policy]] = [...deployment.stack.topicPolicies];
    const keyArn = deployment.stack.topicKeys.get(topicArn)!;
    const keyPolicy = deployment.stack.keyPolicies.get(keyArn)!;
    const rule = { arn: deployment.stack.eventRules[0].arn, account: deployment.org.managementAccountId };
    const alarm = { arn: deployment.stack.alarms[0].arn, account: deployment.org.managementAccountId };
    const publish = (service: string, source: { arn: string; account: string }) =>
      emulator.authorizer!.publishAsService(service, source, topicArn, "{}").then(() => "published", (err: Error) => err.message);

    expect(await publish("events.amazonaws.com", rule)).to.equal("published");
    expect(await publish("cloudwatch.amazonaws.com", alarm)).to.equal("published");
    // An alarm of another account (the confused deputy), and a service the topic does not name.
    expect(await publish("cloudwatch.amazonaws.com", { arn: alarm.arn.replace(alarm.account, "999999999999"), account: "999999999999" })).to.contain("sns:Publish");
    expect(await publish("s3.amazonaws.com", rule)).to.contain("sns:Publish");
    // A service's notice past SNS's 256 KB is refused as any other publisher's.
    const tooLong = await emulator.authorizer!.publishAsService("events.amazonaws.com", rule, topicArn, "x".repeat(262_145)).then(() => "published", (err: Error) => err.message);
    expect(tooLong).to.contain("Message too long");
    emulator.authorizer!.setTopicPolicy(topicArn, without(policy, "AllowEventBridgeToPublish"));
    try {
      expect(await publish("events.amazonaws.com", rule)).to.contain(`sns:Publish on ${topicArn} ImplicitlyDenied`);
    } finally {
      emulator.authorizer!.setTopicPolicy(topicArn, policy);
    }
    // A key whose policy names no service, as the AWS managed key of SNS: the notice cannot be encrypted.
    emulator.authorizer!.setKeyPolicy(keyArn, without(keyPolicy, "AllowNotifyingServices"));
    try {
      expect(await publish("events.amazonaws.com", rule)).to.contain(`kms:GenerateDataKey on ${keyArn} ImplicitlyDenied`);
    } finally {
      emulator.authorizer!.setKeyPolicy(keyArn, keyPolicy);
    }
  });

  it("trust: a member role that trusts only Summarize refuses the collector; a pipeline role whose trust names another service refuses Lambda", async () => {
    const [member] = deployment.org.members;
    const arn = `arn:aws:iam::${member.id}:role/${deployment.stack.memberRole.name}`;
    const { trust, policy } = deployment.stack.memberRole.inAccount(member.id);
    emulator.authorizer!.addRole({ arn, trust: without(trust, "TrustCollectorRoleOnly"), policies: [policy] });
    try {
      const result = await run("trust");
      expect(result.status === "succeeded" && result.summary.counts).to.include({ collected: 3, failed: 1 });
      expect(refusedBy("resource").map((r) => r.what)).to.include(`sts:AssumeRole on ${arn}`);
    } finally {
      emulator.authorizer!.addRole({ arn, trust, policies: [policy] });
    }
    const { collectorRoleArn } = deployment.stack.outputs;
    const role = deployment.stack.roles.get(collectorRoleArn)!;
    emulator.authorizer!.addRole({ ...role, trust: JSON.parse(JSON.stringify(role.trust).replace("lambda.amazonaws.com", "ec2.amazonaws.com")) });
    try {
      const refused = await emulator.authorizer!.serviceSession(collectorRoleArn, "lambda.amazonaws.com", "credreport-collect-report").catch((err: Error) => err);
      expect(String(refused)).to.contain(`lambda.amazonaws.com cannot take ${collectorRoleArn}: its trust policy does not allow it`);
    } finally {
      emulator.authorizer!.addRole(role);
    }
  });
});
