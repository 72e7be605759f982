import { type Ended, runProcess } from "../helpers/child-process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { iamAsReported } from "../helpers/iam-as-reported";
import { awsClients } from "../../local/aws-clients";
import { seedDemoOrganization } from "../../emulator/demo-organization";
import { type Emulator, startEmulator } from "../../emulator/server";
import { assumeRoleDenied, type FaultProxy, startFaultProxy } from "../helpers/fault-proxy";
import { documentedPolicy, emulatorTarget, identityKey, stackPlaceholders, stackRunOptions } from "../helpers/emulator-data";
import { runLocally } from "../../local/runner";
import { runPrefix } from "../../functions/run/report-keys";
import { deployStack, type Deployment } from "../../emulator/deploy";
import type { DemoOrganization } from "../../emulator/demo-organization";
import { PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { CreateBucketCommand, GetObjectCommand } from "@aws-sdk/client-s3";
import { CreateTopicCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { StoredFinding } from "../../functions/analysis/changes";
import { RUN_EVENT_SOURCE } from "../../functions/summarize/run-event";
import { CHECKS } from "../../functions/analysis/findings";

const TSX = join(__dirname, "..", "..", "node_modules", ".bin", "tsx");
const MAIN = join(__dirname, "..", "..", "cli", "main.ts");

/** Runs the CLI in a child process (asynchronously: the emulator's layer and the fault proxy answer from this one). */
function cli(args: string[], envChanges: NodeJS.ProcessEnv = {}): Promise<Ended> {
  return runProcess(TSX, [MAIN, ...args], { env: { ...process.env, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_ENDPOINT_URL: "http://127.0.0.1:9", ...envChanges } });
}

/**
 * The environment of an operator of `run` holding exactly the policies docs/cli.md gives it, for
 * their own bucket and topic and OrganizationAccountAccessRole; with Security Hub, its second one too.
 */
function operatorEnv(emulator: Emulator, org: DemoOrganization, own: { bucket: string; topicArn: string }, securityHub = false): NodeJS.ProcessEnv {
  const values = { region: "us-east-1", account: org.managementAccountId, bucket: own.bucket, topic: own.topicArn.split(":").pop()!, "role name": "OrganizationAccountAccessRole", "organization id": emulator.authorizer!.organization.id! };
  const policies = ["run", ...(securityHub ? ["run-security-hub"] : [])].map((name) => documentedPolicy("docs/cli.md", name, values));
  const key = identityKey(emulator, "operator", policies);
  return { AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey };
}

describe("command line", function () {
  this.timeout(120_000);
  const out = mkdtempSync(join(tmpdir(), "credreport-cli-"));
  const aFile = join(out, "a-file");
  writeFileSync(aFile, "");
  after(() => rmSync(out, { recursive: true, force: true }));

  it("demo --runs 3: remediation names the unused keys in a dry run, then deactivates them, and the next run resolves their findings", async () => {
    const demo = await cli(["demo", "--runs", "3", "--out", join(out, "three-runs")]);
    expect(demo.status, demo.stderr).to.equal(0);
    const run1 = demo.stdout.slice(demo.stdout.indexOf("Run 1 of 3"), demo.stdout.indexOf("Run 2 of 3"));
    const run2 = demo.stdout.slice(demo.stdout.indexOf("Run 2 of 3"), demo.stdout.indexOf("Remediation:"));
    // The intern's key is unused 60 days, the contractor's 250: both past the demo's 45.
    expect(run1).to.match(/would deactivate \(dry run\): dev-intern's key AKIA\w+ in \d{12}, unused 60 days \(undo: aws iam update-access-key --user-name dev-intern/);
    expect(run1).to.match(/would deactivate \(dry run\): contractor-etl's key/);
    // Between the runs the contractor's key is deleted by hand: only the intern's is left to deactivate, once.
    expect(run2.match(/^ {2}deactivated: /gm)).to.have.length(1);
    expect(run2).to.match(/deactivated: dev-intern's key AKIA\w+/);
    expect(demo.stdout).to.match(/^Remediation: 0 access key\(s\) deactivated .* 1 finding\(s\) resolved by an earlier deactivation\./m);
  });

  it("demo: collects every active account of the demo organization and downloads the run", async () => {
    const demo = await cli(["demo", "--out", out]);

    expect(demo.status, demo.stderr).to.equal(0);
    expect(demo.stdout).to.match(/Run local-\S+: 13 collected, 0 failed, 1 skipped\./);
    expect(demo.stdout).to.match(/^\d{12}\s+workloads-13\s+skipped\s+-\s+SUSPENDED$/m);
    expect(demo.stdout).to.contain("Stopped the AWS emulator.");
    const [date] = readdirSync(join(out, "credential-reports"));
    const [run] = readdirSync(join(out, "credential-reports", date));
    const files = readdirSync(join(out, "credential-reports", date, run));
    expect(files.filter((f) => /^account=\d{12}\.csv$/.test(f))).to.have.length(13);
    expect(files).to.include.members(["findings.json", "summary.json", "changes.json", "users.csv", "report.html"]);
    expect(demo.stdout).to.match(/^Findings: \d+ \(\d+ critical, \d+ high, \d+ medium, \d+ low\) in 13 accounts/m);
    // Every check, with its count, for a reason the demo's stories give; none made up by the emulator.
    for (const check of Object.values(CHECKS)) expect(demo.stdout, check.title).to.match(new RegExp(`^  ${check.title.replace(/[()']/g, "\\$&")}\\s+${check.severity}\\s+\\S+\\s+[1-9]\\d*$`, "m"));
    expect(demo.stdout).to.contain("expired on 2026-09-30, no longer applied: access-key-old in * for auditor-readonly");
    expect(demo.stdout).to.not.match(/About the emulator|2015/);
    expect(demo.stdout).to.contain(`Open the HTML report: ${join(out, "credential-reports", date, run, "report.html")}`);
    const manifest = JSON.parse(readFileSync(join(out, "credential-reports", date, run, "manifest.json"), "utf8"));
    expect(manifest.counts).to.include({ collected: 13, failed: 0, skipped: 1 });
  });

  it("run: rejects bad flags with every problem named and exit status 2", async () => {
    const run = await cli(["run", "--concurrency", "0", "--include-ou", "Workloads"]);

    expect(run.status).to.equal(2);
    expect(run.stderr).to.contain("--bucket is required");
    expect(run.stderr).to.contain("--topic-arn is required");
    expect(run.stderr).to.contain('--include-ou: "Workloads" is not an OU id (ou-xxxx-xxxxxxxx) or root id (r-xxxx)');
    expect(run.stderr).to.contain('--concurrency must be a whole number from 1 to 1000 in decimal digits, got "0"');
  });

  describe("run against an endpoint", () => {
    let emulator: Emulator;
    let proxy: FaultProxy;
    let org: Awaited<ReturnType<typeof seedDemoOrganization>>;
    let deployment: Deployment;
    /** The operator's own bucket and topic, as docs/cli.md says `run` needs; the stack has its own. */
    const own = { bucket: "operator-reports", topicArn: "" };
    /** An operator holding exactly the docs' policy for `run` (and, with Security Hub, its second one). */
    let operator: NodeJS.ProcessEnv;
    before(async () => {
      emulator = await startEmulator();
      proxy = await startFaultProxy(emulator.endpoint);
      const admin = awsClients(emulatorTarget(emulator.endpoint));
      org = await seedDemoOrganization(admin, { memberAccounts: 6, ouNames: ["A", "B"], suspended: 0, bucket: "cli-reports", topicName: "cli-alerts" });
      deployment = await deployStack(emulator, org);
      await admin.s3.send(new CreateBucketCommand({ Bucket: own.bucket }));
      own.topicArn = (await admin.sns.send(new CreateTopicCommand({ Name: "operator-alerts" }))).TopicArn!;
      operator = operatorEnv(emulator, org, own);
    });
    beforeEach(() => proxy.reset());

    const BAD_FLAGS: [string[], string][] = [
      [["--concurrency", "abc"], '--concurrency must be a whole number from 1 to 1000 in decimal digits, got "abc"'],
      [["--max-attempts", "Infinity"], '--max-attempts must be a whole number from 1 to 100 in decimal digits, got "Infinity"'],
      [["--concurrency", "0x10"], '--concurrency must be a whole number from 1 to 1000 in decimal digits, got "0x10"'],
      [["--batch-size", "1e1"], '--batch-size must be a whole number from 1 to 100 in decimal digits, got "1e1"'],
      [["--role-name", "r".repeat(65)], `--role-name must be an IAM role name (1-64 letters, digits and +=,.@_-), got "${"r".repeat(65)}"`],
      [["--role-name", "bad role/x"], '--role-name must be an IAM role name (1-64 letters, digits and +=,.@_-), got "bad role/x"'],
      [["--topic-arn", "not-an-arn"], '--topic-arn must be an SNS topic ARN (arn:<partition>:sns:<region>:<account>:<topic>), got "not-an-arn"'],
      [["--bucket", "Reports_2026"], '--bucket must be an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit), got "Reports_2026"'],
      [["--region", "mars-1"], '--region must be an AWS region such as us-east-1, got "mars-1"'],
      [["--endpoint", "http://[::1"], '--endpoint must be an http(s) URL such as http://127.0.0.1:5000, got "http://[::1"'],
      [["--endpoint", "http://10.0.0.8:5000"], '--endpoint "http://10.0.0.8:5000" is plain http to 10.0.0.8, not this machine'],
      [["--out", join(aFile, "reports")], `--out must be a folder that can be created and written, got ${JSON.stringify(join(aFile, "reports"))} (ENOTDIR)`],
    ];
    for (const [flags, message] of BAD_FLAGS) {
      it(`run: refuses ${flags.join(" ")} with exit status 2, naming the flag, before any AWS call`, async () => {
        const base = { "--bucket": org.bucket, "--topic-arn": org.topicArn, "--endpoint": proxy.endpoint };
        const args = Object.entries(base).flatMap(([flag, value]) => (flags.includes(flag) ? [] : [flag, value]));

        const run = await cli(["run", ...args, ...flags]);

        expect(run.status, run.stderr).to.equal(2);
        expect(run.stderr).to.contain(message);
        expect(proxy.seen).to.deep.equal([]);
      });
    }

    it("run: checks the caller, the bucket and the topic before any account, and names what is not there", async () => {
      const run = await cli(["run", "--endpoint", proxy.endpoint, "--bucket", "no-such-bucket", "--topic-arn", org.topicArn.replace(/[^:]+$/, "no-such-topic")]);

      expect(run.status, run.stderr).to.equal(2);
      expect(run.stderr).to.contain(`--bucket: there is no bucket "no-such-bucket" at ${proxy.endpoint} (--endpoint)`);
      expect(run.stderr).to.contain(`--topic-arn: there is no topic ${org.topicArn.replace(/[^:]+$/, "no-such-topic")} at ${proxy.endpoint} (--endpoint)`);
      expect(proxy.seen.map((r) => r.action)).to.deep.equal(["GetCallerIdentity", "ListObjectsV2", "GetTopicAttributes"]);
    });

    it("run: names the endpoint and the flag when nothing answers there", async () => {
      const run = await cli(["run", "--endpoint", "http://127.0.0.1:9", "--bucket", org.bucket, "--topic-arn", org.topicArn]);

      expect(run.status).to.equal(2);
      expect(run.stderr).to.match(/^cannot reach http:\/\/127\.0\.0\.1:9 \(--endpoint\): ECONNREFUSED/m);
    });

    it("run: says that no credentials were found, before sending anything", async () => {
      const nowhere = join(out, "no-such-file");
      const noCredentials = { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SHARED_CREDENTIALS_FILE: nowhere, AWS_CONFIG_FILE: nowhere };
      const run = await cli(["run", "--endpoint", proxy.endpoint, "--bucket", org.bucket, "--topic-arn", org.topicArn], noCredentials);

      expect(run.status).to.equal(2);
      expect(run.stderr).to.match(/^no AWS credentials found \(environment, profile or instance role\): /m);
      expect(proxy.seen).to.deep.equal([]);
    });
    after(async () => {
      await proxy?.close();
      await emulator?.stop();
    });

    it("collects the OU it is pointed at with the role the docs name, exits 1 when an account failed, and says which", async () => {
      const inA = org.members.filter((m) => m.ouId === org.ous[0].id);
      proxy.addRule(assumeRoleDenied(inA[0].id));

      const run = await cli(
        [
          "run", "--endpoint", proxy.endpoint, "--bucket", own.bucket, "--topic-arn", own.topicArn, "--role-name", "OrganizationAccountAccessRole",
          "--include-ou", org.ous[0].id, "--exclude-account", inA[2].id, "--poll-interval", "1", "--concurrency", "2", "--max-key-age-days", "1234",
        ],
        operator,
      );

      expect(run.status, run.stderr).to.equal(1);
      expect(run.stdout).to.match(/: 2 collected, 1 failed, 1 skipped\./);
      // Not a terminal: plain progress lines on stderr, the last one with every account done.
      expect(run.stderr).to.match(/^3 of 3 accounts done: 2 collected, 1 failed, 0 waiting; [\d.]+\/s$/m);
      expect(run.stdout).to.not.match(/accounts done/);
      // Without --out no report was downloaded, so no USERS column to fill with question marks.
      expect(run.stdout).to.match(/^ACCOUNT\s+NAME\s+STATUS\s+REPORT \/ REASON$/m);
      expect(run.stdout).to.match(new RegExp(`^${inA[0].id}\\s+\\S+\\s+failed\\s+AccessDenied: `, "m"));
      expect(run.stdout).to.match(new RegExp(`^${inA[2].id}\\s+\\S+\\s+skipped\\s+EXCLUDED$`, "m"));
      expect(run.stdout).to.not.contain(org.members.find((m) => m.ouId === org.ous[1].id)!.id);
      expect(emulator.authorizer!.unjudged).to.deep.equal([]);

      const runFolder = /stored in s3:\/\/operator-reports\/(\S+)/.exec(run.stdout)![1];
      const stored = await awsClients(emulatorTarget(emulator.endpoint)).s3.send(new GetObjectCommand({ Bucket: own.bucket, Key: `${runFolder}findings.json` }));
      expect(JSON.parse(await stored.Body!.transformToString()).thresholds.maxKeyAgeDays).to.equal(1234);
      const analysisOut = join(out, "from-bucket");
      const summarized = await cli(["summarize", "--endpoint", proxy.endpoint, "--bucket", own.bucket, "--run", runFolder, "--out", analysisOut], operator);
      expect(summarized.status, summarized.stderr).to.equal(0);
      expect(summarized.stdout).to.match(/^Analysed 2 report\(s\) from /m);
      expect(summarized.stdout).to.match(/^Findings: \d+ .* in 2 accounts, .*no earlier one to compare with/m);
      expect(readdirSync(analysisOut)).to.include.members(["findings.json", "summary.json", "changes.json", "users.csv", "report.html"]);
    });

    it("run: cannot take the stack's member role, which trusts only the collector: every member account is refused", async () => {
      const run = await cli(["run", "--endpoint", emulator.endpoint, "--bucket", own.bucket, "--topic-arn", own.topicArn, "--poll-interval", "1"], operator);

      expect(run.status, run.stderr).to.equal(1);
      expect(run.stdout).to.match(/: 1 collected, 6 failed, 0 skipped\./);
      for (const member of org.members) expect(run.stdout).to.match(new RegExp(`^${member.id}\\s+\\S+\\s+failed\\s+AccessDenied: .*sts:AssumeRole on resource: arn:aws:iam::${member.id}:role/${deployment.stack.memberRole.name}`, "m"));
    });

    it("run: refuses the stack's bucket before any account, naming whose writes it allows", async () => {
      const run = await cli(["run", "--endpoint", proxy.endpoint, "--bucket", org.bucket, "--topic-arn", own.topicArn]);

      expect(run.status, run.stderr).to.equal(2);
      expect(run.stderr).to.contain(`--bucket: s3://${org.bucket} is a deployed stack's report bucket: its policy (DenyRunFileWritesByOthers) lets only the pipeline's roles write run files`);
      expect(proxy.seen.map((r) => r.action)).to.deep.equal(["GetCallerIdentity", "ListObjectsV2", "GetBucketPolicy", "GetTopicAttributes"]);
    });

    after(async () => {
      await proxy?.close();
      await emulator?.stop();
    });
  });

  describe("recovering a run of `run` whose manifest could not be written (the operator's own bucket)", () => {
    let emulator: Emulator;
    let proxy: FaultProxy;
    let org: Awaited<ReturnType<typeof seedDemoOrganization>>;
    let operator: NodeJS.ProcessEnv;
    before(async () => {
      emulator = await startEmulator();
      proxy = await startFaultProxy(emulator.endpoint);
      org = await seedDemoOrganization(awsClients(emulatorTarget(emulator.endpoint)), { memberAccounts: 3, ouNames: ["A"], suspended: 0, bucket: "recovered-reports", topicName: "recovered-alerts" });
      operator = operatorEnv(emulator, org, { bucket: org.bucket, topicArn: org.topicArn }, true);
    });
    after(async () => {
      await proxy?.close();
      await emulator?.stop();
    });

    it("summarize --write-manifest does what the run's Summarize would: accepted risks, thresholds, the run's event, Security Hub", async () => {
      // The run's manifest, not the Distributed Map's (map-runs/.../manifest.json), which records the batches' outcomes.
      proxy.addRule({ service: "s3", action: "PutObject", key: /^credential-reports\/.*\/manifest\.json$/, fault: { status: 403, code: "AccessDenied", message: "Access Denied" } });
      // The stack's settings, which the run and its recovery both have.
      const management = org.managementAccountId;
      const risks = join(out, "recovery-risks.yaml");
      writeFileSync(risks, `acceptedRisks:\n  - { check: console-without-mfa, account: "${management}", user: bob.smith, reason: known, owner: sec@example.com, expires: 2099-01-01 }\n`);
      const settings = ["--accepted-risks", risks, "--max-key-age-days", "3650", "--security-hub"];
      const stopped = await cli(["run", "--endpoint", proxy.endpoint, "--bucket", org.bucket, "--topic-arn", org.topicArn, "--role-name", "OrganizationAccountAccessRole", "--poll-interval", "1", ...settings], operator);
      expect(stopped.status, stopped.stderr).to.equal(1);
      const command = /npm run cli -- (summarize --bucket \S+ --run (\S+) --write-manifest)/.exec(stopped.stderr);
      expect(command, stopped.stderr).to.not.equal(null);
      const direct = awsClients(emulatorTarget(emulator.endpoint));
      const sqs = new SQSClient(emulatorTarget(emulator.endpoint));
      const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "recovered-runs" }))).QueueUrl!;
      const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }))).Attributes!.QueueArn;
      await direct.events.send(new PutRuleCommand({ Name: "recovered-runs", EventPattern: JSON.stringify({ source: [RUN_EVENT_SOURCE] }) }));
      await direct.events.send(new PutTargetsCommand({ Rule: "recovered-runs", Targets: [{ Id: "queue", Arn: queueArn }] }));

      const recovered = await cli([...command![1].split(" "), "--endpoint", emulator.endpoint, "--role-name", "OrganizationAccountAccessRole", ...settings], operator);

      expect(recovered.status, recovered.stderr).to.equal(0);
      expect(recovered.stdout).to.match(/: 4 collected, 0 failed, 0 skipped\./);
      // What the batches sent where they read the reports, from the run's Map results.
      expect(recovered.stdout, recovered.stderr).to.match(/Security Hub: [1-9]\d* finding\(s\) imported in [1-9] account\(s\)/);
      const folder = command![2].replace(/\/?$/, "/");
      const stored = async (name: string) => JSON.parse(await (await direct.s3.send(new GetObjectCommand({ Bucket: org.bucket, Key: folder + name }))).Body!.transformToString());
      const findings = await stored("findings.json");
      expect(findings.thresholds.maxKeyAgeDays).to.equal(3650);
      const accepted = findings.findings.filter((f: StoredFinding) => f.acceptedRisk).map((f: StoredFinding) => f.id);
      expect(accepted).to.deep.equal([`${management}/bob.smith/console-without-mfa`]);
      const events = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }))).Messages ?? [];
      expect(events.map((m) => JSON.parse(m.Body!).detail.runId)).to.deep.equal([findings.runId]);
    });
  });

  describe("recovering a run of a deployed stack, by the pipeline", () => {
    let emulator: Emulator;
    let proxy: FaultProxy;
    let deployment: Deployment;
    before(async () => {
      emulator = await startEmulator();
      proxy = await startFaultProxy(emulator.endpoint);
      const org = await seedDemoOrganization(awsClients(emulatorTarget(emulator.endpoint)), { memberAccounts: 3, ouNames: ["A"], suspended: 0, bucket: "deployed-reports", topicName: "deployed-alerts" });
      deployment = await deployStack(emulator, org);
    });
    after(async () => {
      await proxy?.close();
      await emulator?.stop();
    });

    it("summarize --state-machine-arn, as the docs' operations give it, writes the manifest the run could not", async () => {
      proxy.addRule({ service: "s3", action: "PutObject", key: /^credential-reports\/.*\/manifest\.json$/, fault: { status: 403, code: "AccessDenied", message: "Access Denied" } });
      const stopped = await runLocally(await stackRunOptions(deployment, proxy.endpoint, { runId: "stopped-run" }));
      expect(stopped.status).to.equal("failed");
      const prefix = runPrefix({ id: "stopped-run", startedAt: new Date().toISOString() });
      const { bucketName, stateMachineArn } = deployment.stack.outputs;
      // The old way, writing as oneself, is refused where AWS would refuse it: the bucket lets only the pipeline write.
      const byHand = await cli(["summarize", "--endpoint", emulator.endpoint, "--bucket", bucketName, "--run", prefix, "--write-manifest"]);
      expect(byHand.status).to.equal(2);
      expect(byHand.stderr).to.contain("is a deployed stack's report bucket");
      const recovering = identityKey(emulator, "recovering-operator", [documentedPolicy("docs/operations.md", "recover-a-run", stackPlaceholders(deployment))]);
      // The command docs/operations.md gives, with pulumi stack output's answer in place.
      const documented = /npm run cli -- (summarize --state-machine-arn "\$\(pulumi stack output stateMachineArn\)" \\\n\s+--run \S+)/.exec(readFileSync(join(__dirname, "..", "..", "docs", "operations.md"), "utf8"))![1];
      const args = documented.replace('"$(pulumi stack output stateMachineArn)"', stateMachineArn).replace(/\\\n\s+/, "").replace(/credential-reports\/date=\S+/, prefix).split(/\s+/);

      const recovered = await cli([...args, "--endpoint", emulator.endpoint, "--quiet"], { AWS_ACCESS_KEY_ID: recovering.accessKeyId, AWS_SECRET_ACCESS_KEY: recovering.secretAccessKey });

      expect(recovered.status, recovered.stderr).to.equal(0);
      expect(recovered.stdout).to.match(/: 4 collected, 0 failed, 0 skipped\./);
      const manifest = await awsClients(emulatorTarget(emulator.endpoint)).s3.send(new GetObjectCommand({ Bucket: bucketName, Key: `${prefix}manifest.json` }));
      expect(JSON.parse(await manifest.Body!.transformToString()).counts).to.include({ collected: 4, failed: 0 });
      expect(emulator.authorizer!.unjudged).to.deep.equal([]);
    });
  });

  it("summarize: analyses a folder of raw reports as of its manifest's run, and names what is wrong", async () => {
    const folder = mkdtempSync(join(tmpdir(), "credreport-reports-"));
    const fixtures = join(__dirname, "..", "fixtures", "credential-reports");
    cpSync(join(fixtures, "workloads-111111111111.csv"), join(folder, "account=111111111111.csv"));
    cpSync(join(fixtures, "sandbox-222222222222.csv"), join(folder, "account=222222222222.csv"));
    cpSync(join(fixtures, "not-a-report.csv"), join(folder, "account=333333333333.csv"));
    // What IAM said beside one account's report, as a run stores it; the other has none (a report from elsewhere).
    writeFileSync(join(folder, "account=111111111111.iam.json"), JSON.stringify(iamAsReported("111111111111", readFileSync(join(fixtures, "workloads-111111111111.csv"), "utf8"))));
    writeFileSync(join(folder, "manifest.json"), JSON.stringify({ runId: "fixture-run", startedAt: "2026-11-25T08:00:00.000Z", accounts: [] }));

    const summarized = await cli(["summarize", "--from", folder, "--out", join(out, "from-folder")]);

    expect(summarized.status, summarized.stderr).to.equal(0);
    expect(summarized.stdout).to.contain("Findings: 12 (2 critical, 3 high, 5 medium, 2 low) in 2 accounts, 10 users; 12 new, 0 resolved");
    expect(summarized.stdout).to.contain("[critical] The root user of 111111111111 has credentials and no MFA");
    expect(summarized.stdout).to.contain(
      // The sandbox's root row shows a password used and MFA on: root-mfa-off passes from the row alone; the kind of device needs IAM.
      "Checks not evaluated in 1 account(s), neither passing nor failing:\n  222222222222: root-hardware-mfa-off, password-policy-short, password-policy-reuse (IAM's answers beside the report were not there)",
    );
    expect(summarized.stdout).to.contain("Unreadable report: MalformedReport: the report of account 333333333333 is not a readable credential report");
    const findings = JSON.parse(readFileSync(join(out, "from-folder", "findings.json"), "utf8"));
    expect(findings.findings).to.have.length(12);

    const again = await cli(["summarize", "--from", folder, "--previous", join(out, "from-folder", "findings.json"), "--out", join(out, "again")]);
    expect(again.stdout).to.contain("0 new, 0 resolved since run fixture-run");

    // Accepted risks: the root's missing MFA is accepted; one rule has expired, one matches nothing.
    const risks = join(out, "risks.yaml");
    const risk = (check: string, user: string, expires: string) =>
      `  - { check: ${check}, account: "111111111111", user: "${user}", reason: known, owner: sec@example.com, expires: ${expires} }\n`;
    writeFileSync(risks, `acceptedRisks:\n${risk("root-mfa-off", "<root_account>", "2099-01-01")}${risk("access-key-old", "*", "2020-01-01")}${risk("console-without-mfa", "nobody", "2099-01-01")}`);
    const accepting = await cli(["summarize", "--from", folder, "--accepted-risks", risks, "--out", join(out, "accepting")]);
    expect(accepting.status, accepting.stderr).to.equal(0);
    expect(accepting.stdout).to.contain("Findings: 11 (1 critical, 3 high, 5 medium, 2 low) in 2 accounts, 10 users; 12 new (1 of them accepted), 0 resolved");
    expect(accepting.stdout).to.not.contain("[critical] The root user of 111111111111 has no MFA");
    expect(accepting.stdout).to.contain("Accepted risks: 1 finding(s) covered, not counted above.");
    expect(accepting.stdout).to.contain("expired on 2020-01-01, no longer applied: access-key-old in 111111111111 for * (sec@example.com)");
    expect(accepting.stdout).to.contain("matched nothing this run: console-without-mfa in 111111111111 for nobody (sec@example.com)");

    writeFileSync(risks, `acceptedRisks:\n${risk("root-mfa-off", "<root_account>", "2099-13-01")}`);
    const refused = await cli(["summarize", "--from", folder, "--accepted-risks", risks, "--out", join(out, "refused")]);
    expect(refused.status).to.equal(2);
    expect(refused.stderr).to.contain(`--accepted-risks ${risks}: 1 problem in the accepted risks:\n  - line 2: acceptedRisks[0].expires must be a day of the calendar (YYYY-MM-DD), got "2099-13-01"`);
    rmSync(folder, { recursive: true, force: true });
  });

  it("summarize: refuses a source it cannot use, with exit status 2", async () => {
    const bad = await cli(["summarize", "--bucket", "b", "--run", "somewhere/else"]);
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.contain('--run must be a run\'s prefix such as credential-reports/date=2026-11-25/run=<id>/, got "somewhere/else"');
    expect((await cli(["summarize"])).stderr).to.contain("give --from DIR, --bucket NAME with --run PREFIX, or --state-machine-arn ARN with --run PREFIX");
    const both = await cli(["summarize", "--bucket", "b", "--state-machine-arn", "arn:aws:states:us-east-1:111122223333:stateMachine:sm", "--run", "credential-reports/date=2026-11-25/run=r/"]);
    expect(both.stderr).to.contain("give one source: --from DIR, --bucket NAME with --run, or --state-machine-arn ARN with --run");
    const notAnArn = await cli(["summarize", "--state-machine-arn", "sm", "--run", "credential-reports/date=2026-11-25/run=r/"]);
    expect(notAnArn.stderr).to.contain('--state-machine-arn must be a state machine ARN (arn:<partition>:states:<region>:<account>:stateMachine:<name>, the stack\'s output stateMachineArn), got "sm"');
    const misplaced = await cli(["summarize", "--from", "somewhere", "--write-manifest", "--topic-arn", "arn:aws:sns:us-east-1:111122223333:t"]);
    expect(misplaced.status).to.equal(2);
    expect(misplaced.stderr).to.contain("--write-manifest goes with --bucket and --run");
    const missing = await cli(["summarize", "--from", join(out, "no-such-folder")]);
    expect(missing.status).to.equal(2);
    expect(missing.stderr).to.contain(`--from must be a folder of reports, got ${JSON.stringify(join(out, "no-such-folder"))} (ENOENT)`);
    expect(missing.stderr).to.not.contain("at ");
  });
});
