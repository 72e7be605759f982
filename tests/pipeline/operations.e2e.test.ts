import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { DescribeExecutionCommand, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { expect } from "chai";
import { type Deployment, deployStack } from "../../emulator/deploy";
import { seedDemoOrganization } from "../../emulator/demo-organization";
import { type Emulator, startEmulator } from "../../emulator/server";
import { type AwsClients, awsClients } from "../../local/aws-clients";
import { REPORTS_PREFIX } from "../../functions/run/report-keys";
import { documentedPolicy, emulatorTarget, identityKey, identityWith, stackPlaceholders } from "../helpers/emulator-data";
import { runProcess } from "../helpers/child-process";

const ROOT = join(__dirname, "..", "..");
const OPERATIONS = readFileSync(join(ROOT, "docs", "operations.md"), "utf8");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const MAIN = join(ROOT, "cli", "main.ts");

/** The lines of the first ```sh block after a heading of docs/operations.md. */
function commandsUnder(heading: string): string[] {
  const section = OPERATIONS.slice(OPERATIONS.indexOf(heading));
  return /```sh\n([\s\S]*?)```/.exec(section)![1].trim().split("\n");
}

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
    deployment = await deployStack(emulator, org);
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

  it("reads the runs with history and summarize --bucket, holding only read-reports, and writes nothing", async () => {
    const { bucketName } = deployment.stack.outputs;
    const key = identityKey(emulator, "reader", [documentedPolicy("docs/operations.md", "read-reports", stackPlaceholders(deployment))]);
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
      "s3api list-object-versions": async () => undefined,
      "s3api delete-objects": async () => {
        for (;;) {
          const page = await keeper.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000 }));
          const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId }));
          if (objects.length === 0) return;
          const deleted = await keeper.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } }));
          expect(deleted.Errors ?? []).to.deep.equal([]);
        }
      },
      "s3api delete-bucket": () => keeper.s3.send(new DeleteBucketCommand({ Bucket: bucket })),
    };
    const commands = commandsUnder("## Uninstalling").filter((line) => line.startsWith("aws "));
    expect(commands.length).to.be.greaterThan(3);

    for (const line of commands) {
      const step = steps[line.split(/\s+/).slice(1, 3).join(" ")];
      expect(step, line).to.not.equal(undefined);
      await step();
    }

    expect(await keeper.s3.send(new HeadBucketCommand({ Bucket: bucket })).catch((err: { $metadata?: { httpStatusCode?: number } }) => err.$metadata?.httpStatusCode)).to.equal(404);
    expect(emulator.authorizer!.unjudged).to.deep.equal([]);
  });
});
