import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { DescribeExecutionCommand, ListExecutionsCommand, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { CloudFormationClient, ListStackInstancesCommand } from "@aws-sdk/client-cloudformation";
import { CloudWatchLogsClient, CreateLogStreamCommand, FilterLogEventsCommand, PutLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CancelKeyDeletionCommand, DescribeKeyCommand, EnableKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from "@aws-sdk/client-kms";
import { GetScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { CreateAccessKeyCommand, CreateUserCommand, ListAccessKeysCommand, UpdateAccessKeyCommand } from "@aws-sdk/client-iam";
import { EnableAWSServiceAccessCommand } from "@aws-sdk/client-organizations";
import { ListSubscriptionsByTopicCommand, SubscribeCommand } from "@aws-sdk/client-sns";
import { GetQueueUrlCommand, GetQueueAttributesCommand, PurgeQueueCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { search } from "jmespath";
import { expect } from "chai";
import { type Deployment, deployStack } from "../../emulator/deploy";
import { assumeInto, seedDemoOrganization } from "../../emulator/demo-organization";
import { type Emulator, startEmulator } from "../../emulator/server";
import { type AwsClients, awsClients } from "../../local/aws-clients";
import { REPORTS_PREFIX } from "../../functions/run/report-keys";
import { documentedPolicy, emulatorTarget, identityKey, identityWith, stackPlaceholders } from "../helpers/emulator-data";
import { runProcess } from "../helpers/child-process";
import { type FaultProxy, startFaultProxy } from "../helpers/fault-proxy";

const ROOT = join(__dirname, "..", "..");
const OPERATIONS = readFileSync(join(ROOT, "docs", "operations.md"), "utf8");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const MAIN = join(ROOT, "cli", "main.ts");

/** The commands of the first ```sh block after a heading of docs/operations.md, a line ending in \\ joined to the next. */
function commandsUnder(heading: string): string[] {
  const section = OPERATIONS.slice(OPERATIONS.indexOf(heading));
  return /```sh\n([\s\S]*?)```/.exec(section)![1].trim().replace(/\\\n\s*/g, "").split("\n");
}

/**
 * Every AWS CLI command docs/operations.md gives, as "<service> <operation>", in its code blocks and
 * its text alike (a command may break across lines); a comment's mention is no command.
 */
function documentedAwsCommands(): string[] {
  // A shell comment starts a line or follows a space; a link's #anchor is no comment.
  const text = OPERATIONS.replace(/(^|\s)#[^\n]*/g, "$1");
  return [...new Set([...text.matchAll(/\baws\s+([a-z0-9]+)\s+([a-z][a-z0-9-]+)/g)].map(([, service, operation]) => `${service} ${operation}`))];
}

const UNINSTALL_COMMANDS = ["s3api delete-object", "s3api delete-bucket-policy", "s3api list-object-versions", "s3api delete-objects", "s3api delete-bucket"];

// What docs/operations.md tells an operator to do by hand, done as it says, with exactly the
// policies it gives, under the emulator's authorizing layer and the stack's own policies.
describe("the operations docs/operations.md gives, under the layer", function () {
  this.timeout(120_000);
  let emulator: Emulator;
  let deployment: Deployment;
  let admin: AwsClients;

  before(async () => {
    emulator = await startEmulator();
    admin = awsClients(emulatorTarget(emulator.endpoint));
    const org = await seedDemoOrganization(admin, { memberAccounts: 3, ouNames: ["A"], suspended: 0, bucket: "operated-reports", topicName: "operated-alerts" });
    // A new KMS key for the reports: the docs give its commands too.
    deployment = await deployStack(emulator, org, { kmsKey: "new" });
  });
  after(() => emulator?.stop());

  it("starts a run with the stack's startRunCommand, holding only start-a-run", async () => {
    const { startRunCommand, stateMachineArn } = deployment.stack.outputs as typeof deployment.stack.outputs & { startRunCommand: string };
    expect(commandsUnder("### Starting a run by hand")[0]).to.match(/^\$\(pulumi stack output startRunCommand\)/);
    const [, service, operation, ...flags] = startRunCommand.split(/\s+/);
    expect([service, operation]).to.deep.equal(["stepfunctions", "start-execution"]);
    expect(flags[flags.indexOf("--state-machine-arn") + 1]).to.equal(stateMachineArn);
    const operator = identityWith(emulator, "starter", [documentedPolicy("docs/operations.md", "start-a-run", stackPlaceholders(deployment))]);

    const { executionArn } = await operator.stepFunctions.send(new StartExecutionCommand({ stateMachineArn }));

    // Watching it is not in start-a-run: the console, or an administrator, does that.
    expect(await operator.stepFunctions.send(new DescribeExecutionCommand({ executionArn })).catch((err: Error) => err.name)).to.equal("AccessDeniedException");
    let status = "RUNNING";
    while (status === "RUNNING") {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await admin.stepFunctions.send(new DescribeExecutionCommand({ executionArn }))).status!;
    }
    expect(status).to.equal("SUCCEEDED");
  });

  it("reads the runs with history and summarize --bucket, holding only the stack's readReportsPolicy, and writes nothing", async () => {
    const { bucketName } = deployment.stack.outputs;
    // The stack's readReportsPolicy: the docs' read-reports, and kms:Decrypt through S3 on the bucket's key.
    const key = identityKey(emulator, "reader", [JSON.parse(deployment.stack.outputs.readReportsPolicy)]);
    const env = { ...process.env, AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey, AWS_REGION: "us-east-1" };
    const out = mkdtempSync(join(tmpdir(), "credreport-reader-"));
    try {
      const history = await runProcess(TSX, [MAIN, "history", "--bucket", bucketName, "--endpoint", emulator.endpoint], { env });
      expect(history.status, history.stderr).to.equal(0);
      // The table's last row is the newest run: its day and its id.
      const [, day, run] = /^\s*\d+\s+(\d{4}-\d{2}-\d{2})\s+(\S+)/m.exec(history.stdout) ?? [];
      expect(run, history.stdout).to.not.equal(undefined);
      const summarized = await runProcess(TSX, [MAIN, "summarize", "--bucket", bucketName, "--run", `${REPORTS_PREFIX}date=${day}/run=${run}/`, "--out", out, "--endpoint", emulator.endpoint, "--quiet"], { env });
      expect(summarized.status, summarized.stderr).to.equal(0);
      expect(readdirSync(out)).to.include("report.html");
      const reader = awsClients({ region: "us-east-1", endpoint: emulator.endpoint, credentials: key });
      const write = await reader.s3.send(new PutObjectCommand({ Bucket: bucketName, Key: `${REPORTS_PREFIX}forged.json`, Body: "{}", IfNoneMatch: "*" })).catch((err: Error) => err.name);
      expect(write).to.equal("AccessDenied");
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("runs every other AWS CLI command the docs give, as the docs say, under the layer; the uninstall's are run below", async () => {
    const { outputs } = deployment.stack;
    const bucket = outputs.bucketName;
    const keyArn = deployment.stack.bucketKeys.get(bucket)!.keyArn;
    const target = emulatorTarget(emulator.endpoint);
    // The deploying user (deploy.ts): an evidence administrator, whom the key's policy lets destroy and restore it.
    const asEvidenceAdministrator = new KMSClient({ ...target, credentials: { accessKeyId: "deployer", secretAccessKey: "deployer" } });
    const sqs = new SQSClient(target);
    const [member] = deployment.org.members.filter((m) => !m.suspended);
    // What an operator holding start-a-run and read-reports may do, and nothing else.
    const operator = identityWith(emulator, "operator", [documentedPolicy("docs/operations.md", "start-a-run", stackPlaceholders(deployment)), JSON.parse(outputs.readReportsPolicy)]);
    const queueUrl = async () => (await sqs.send(new GetQueueUrlCommand({ QueueName: "credreport-schedule-dead-letters" }))).QueueUrl!;
    const refused = (work: Promise<unknown>) => work.then(() => "allowed", (err: Error) => err.name);
    const aReport = async () => (await admin.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: REPORTS_PREFIX }))).Contents!.find((o) => o.Key!.endsWith(".csv"))!.Key!;

    // Each command as the SDK sends it, by the identity the docs name, with what it should show.
    const steps: Record<string, () => Promise<void>> = {
      "cloudtrail lookup-events": async () => {
        // An administrator who is no evidence administrator tries to remove the bucket policy: refused, and recorded.
        expect(await refused(admin.s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket })))).to.equal("AccessDenied");
        const { Events = [] } = await new CloudTrailClient(target).send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "DeleteBucketPolicy" }] }));
        expect(Events.map((e) => JSON.parse(e.CloudTrailEvent!).errorCode)).to.deep.equal(["AccessDenied"]);
      },
      "s3api get-bucket-lifecycle-configuration": async () => {
        const { Rules = [] } = await admin.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
        expect(Rules.map((r) => r.ID)).to.include("abort-incomplete-uploads");
      },
      // A scheduled deletion by an evidence administrator, undone as the docs say; another administrator is refused.
      "kms schedule-key-deletion": async () => {
        expect(await refused(new KMSClient(target).send(new ScheduleKeyDeletionCommand({ KeyId: keyArn, PendingWindowInDays: 30 })))).to.equal("AccessDeniedException");
        const kms = asEvidenceAdministrator;
        expect((await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyArn, PendingWindowInDays: 30 }))).KeyState).to.equal("PendingDeletion");
        // Every report is unreadable while the key waits for its deletion, a reader's included.
        expect(await refused(operator.s3.send(new GetObjectCommand({ Bucket: bucket, Key: await aReport() })))).to.equal("KMS.KMSInvalidStateException");
      },
      "kms describe-key": async () => {
        expect((await new KMSClient(target).send(new DescribeKeyCommand({ KeyId: keyArn }))).KeyMetadata?.KeyState).to.equal("PendingDeletion");
      },
      "kms cancel-key-deletion": async () => {
        const kms = asEvidenceAdministrator;
        await kms.send(new CancelKeyDeletionCommand({ KeyId: keyArn }));
        expect((await kms.send(new DescribeKeyCommand({ KeyId: keyArn }))).KeyMetadata?.KeyState).to.equal("Disabled");
      },
      "kms enable-key": async () => {
        const kms = asEvidenceAdministrator;
        await kms.send(new EnableKeyCommand({ KeyId: keyArn }));
        expect((await kms.send(new DescribeKeyCommand({ KeyId: keyArn }))).KeyMetadata?.KeyState).to.equal("Enabled");
        expect(await refused(operator.s3.send(new GetObjectCommand({ Bucket: bucket, Key: await aReport() })))).to.equal("allowed");
      },
      "sqs receive-message": async () => {
        // A start the schedule could not make: Step Functions refused it on every try.
        const proxy: FaultProxy = await startFaultProxy(emulator.endpoint, { defaultAccount: deployment.org.managementAccountId });
        try {
          proxy.addRule({ service: "states", action: "StartExecution", fault: { status: 400, code: "ExecutionLimitExceeded", message: "The maximum number of running executions has been reached" } });
          expect(await deployment.startOnSchedule(proxy.endpoint)).to.have.property("deadLettered");
        } finally {
          await proxy.close();
        }
        const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: await queueUrl(), MessageAttributeNames: ["All"], VisibilityTimeout: 0 }));
        expect(Messages.map((m) => m.MessageAttributes?.ERROR_CODE?.StringValue)).to.deep.equal(["ExecutionLimitExceeded"]);
      },
      "sqs purge-queue": async () => {
        await sqs.send(new PurgeQueueCommand({ QueueUrl: await queueUrl() }));
        const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: await queueUrl(), AttributeNames: ["ApproximateNumberOfMessages"] }));
        expect(Attributes?.ApproximateNumberOfMessages).to.equal("0");
      },
      "scheduler get-schedule": async () => {
        const schedule = await new SchedulerClient(target).send(new GetScheduleCommand({ Name: deployment.stack.schedule.name }));
        expect(schedule).to.include({ State: "ENABLED", ScheduleExpression: deployment.stack.schedule.expression });
        expect(schedule.Target?.Arn).to.equal(outputs.stateMachineArn);
      },
      "stepfunctions list-executions": async () => {
        const failed = await admin.stepFunctions.send(new ListExecutionsCommand({ stateMachineArn: outputs.stateMachineArn, statusFilter: "FAILED", maxResults: 5 }));
        expect(failed.executions).to.deep.equal([]);
        const all = await admin.stepFunctions.send(new ListExecutionsCommand({ stateMachineArn: outputs.stateMachineArn }));
        expect(all.executions?.map((e) => e.status)).to.include("SUCCEEDED");
      },
      "stepfunctions describe-execution": async () => {
        const [newest] = (await admin.stepFunctions.send(new ListExecutionsCommand({ stateMachineArn: outputs.stateMachineArn }))).executions!;
        expect((await admin.stepFunctions.send(new DescribeExecutionCommand({ executionArn: newest.executionArn }))).status).to.equal(newest.status);
      },
      // `aws logs tail` reads with FilterLogEvents. Two lines as Lambda's log delivery writes them (to moto: the local runner logs to this process).
      "logs tail": async () => {
        const delivery = new CloudWatchLogsClient({ ...target, endpoint: emulator.motoEndpoint });
        const logGroupName = outputs.collectReportLogGroup;
        await delivery.send(new CreateLogStreamCommand({ logGroupName, logStreamName: "2026/12/08/[$LATEST]abc" }));
        const lines = ['{"event":"report-stored","accountId":"111111111111"}', '{"event":"account-failed","accountId":"222222222222","error":"AssumeRoleFailed"}'];
        await delivery.send(new PutLogEventsCommand({ logGroupName, logStreamName: "2026/12/08/[$LATEST]abc", logEvents: lines.map((message) => ({ message, timestamp: Date.now() })) }));
        const { events = [] } = await new CloudWatchLogsClient(target).send(new FilterLogEventsCommand({ logGroupName, startTime: Date.now() - 86_400_000, filterPattern: '"failed"' }));
        expect(events.map((e) => e.message)).to.deep.equal([lines[1]]);
      },
      "cloudformation list-stack-instances": async () => {
        const listed = await new CloudFormationClient(target).send(new ListStackInstancesCommand({ StackSetName: outputs.stackSetName }));
        expect(listed.Summaries?.map((i) => i.Account).sort()).to.deep.equal(deployment.org.members.filter((m) => !m.suspended).map((m) => m.id).sort());
        // The docs' --query: the accounts whose stack instance did not succeed.
        expect(search(listed, "Summaries[?StackInstanceStatus.DetailedStatus!=`SUCCEEDED`]")).to.deep.equal([]);
      },
      // Every service the page turns trusted access on for: StackSets, and Account Management for the owners' contacts.
      "organizations enable-aws-service-access": async () => {
        const principals = [...OPERATIONS.matchAll(/enable-aws-service-access\s+--service-principal\s+([a-z0-9.-]+)/g)].map(([, principal]) => principal);
        expect(principals).to.deep.equal(["member.org.stacksets.cloudformation.amazonaws.com", "account.amazonaws.com"]);
        for (const ServicePrincipal of principals) await admin.organizations.send(new EnableAWSServiceAccessCommand({ ServicePrincipal }));
        expect([...emulator.authorizer!.organization.trustedServices]).to.include.members(principals);
      },
      "sns subscribe": async () => {
        const FilterPolicy = JSON.stringify({ owner: ["payments-security@example.com"] });
        await admin.sns.send(new SubscribeCommand({ TopicArn: outputs.topicArn, Protocol: "email", Endpoint: "payments-security@example.com", Attributes: { FilterPolicy } }));
      },
      "sns list-subscriptions-by-topic": async () => {
        const { Subscriptions = [] } = await admin.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: outputs.topicArn }));
        expect(Subscriptions.map((x) => x.Endpoint)).to.include("payments-security@example.com");
      },
      "s3 ls": async () => {
        const { Contents = [] } = await operator.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: REPORTS_PREFIX }));
        expect(Contents.some((o) => o.Key!.endsWith("manifest.json"))).to.equal(true);
      },
      // The undo of a deactivation, in the key's own account, by whoever administers it.
      "iam update-access-key": async () => {
        const iam = admin.iamClient(await assumeInto(admin, member.id));
        await iam.send(new CreateUserCommand({ UserName: "deploy-bot" }));
        const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: "deploy-bot" }));
        await iam.send(new UpdateAccessKeyCommand({ UserName: "deploy-bot", AccessKeyId: AccessKey!.AccessKeyId, Status: "Inactive" }));
        await iam.send(new UpdateAccessKeyCommand({ UserName: "deploy-bot", AccessKeyId: AccessKey!.AccessKeyId, Status: "Active" }));
        expect((await iam.send(new ListAccessKeysCommand({ UserName: "deploy-bot" }))).AccessKeyMetadata?.map((k) => k.Status)).to.deep.equal(["Active"]);
      },
    };
    // Nothing the docs give goes untested, and nothing is tested that they no longer give.
    expect(documentedAwsCommands().filter((c) => !UNINSTALL_COMMANDS.includes(c)).sort()).to.deep.equal(Object.keys(steps).sort());

    for (const [command, step] of Object.entries(steps)) {
      await step().catch((err: Error) => {
        throw new Error(`aws ${command}: ${err.message}`);
      });
    }

    expect(emulator.authorizer!.unjudged).to.deep.equal([]);
  });

  it("uninstalls as the docs say, as an evidence administrator: deletes refused until the policy is removed, then the bucket emptied and deleted", async () => {
    const bucket = deployment.stack.outputs.bucketName;
    // Another administrator of the account may not remove the policy: only an evidence administrator (whoever deployed).
    expect(await admin.s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket })).catch((err: Error) => err.name)).to.equal("AccessDenied");
    const keeper = deployment.deployer;
    const listed = await admin.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: REPORTS_PREFIX }));
    const aRunFile = listed.Versions!.find((v) => v.Key!.endsWith("manifest.json"))!.Key!;
    // Each documented command, as the SDK sends it; a command this table does not know fails the test.
    const steps: Record<string, () => Promise<unknown>> = {
      "s3api delete-object": async () => expect(await keeper.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: aRunFile })).catch((err: Error) => err.name)).to.equal("AccessDenied"),
      "s3api delete-bucket-policy": () => keeper.s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket })),
      // The listing as the CLI gives it with the docs' --no-paginate (one page: at most 1,000 versions and markers together) and --query.
      "s3api list-object-versions": async () => {
        const page = await keeper.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000 }));
        versions = search(page, query) as { Objects: { Key: string; VersionId: string }[] };
      },
      "s3api delete-objects": async () => {
        const deleted = await keeper.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: versions }));
        expect(deleted.Errors ?? []).to.deep.equal([]);
      },
      "s3api delete-bucket": () => keeper.s3.send(new DeleteBucketCommand({ Bucket: bucket })),
    };
    const commands = commandsUnder("## Uninstalling").filter((line) => line.startsWith("aws "));
    expect(commands.map((line) => line.split(/\s+/).slice(1, 3).join(" "))).to.deep.equal(UNINSTALL_COMMANDS);
    expect(commands[2]).to.contain("--no-paginate");
    const query = /--query '([^']+)'/.exec(commands[2])![1];
    let versions: { Objects: { Key: string; VersionId: string }[] } = { Objects: [] };

    const [deleteObject, deleteBucketPolicy, listVersions, deleteVersions, deleteBucket] = UNINSTALL_COMMANDS.map((command) => steps[command]);
    await deleteObject();
    await deleteBucketPolicy();
    // "repeat both until Objects is empty": a page of 1,000 at most each time.
    for (await listVersions(); versions.Objects.length > 0; await listVersions()) await deleteVersions();
    await deleteBucket();

    expect(await keeper.s3.send(new HeadBucketCommand({ Bucket: bucket })).catch((err: { $metadata?: { httpStatusCode?: number } }) => err.$metadata?.httpStatusCode)).to.equal(404);
    expect(emulator.authorizer!.unjudged).to.deep.equal([]);
  });
});
