import {
  DeleteBucketLifecycleCommand,
  DeleteBucketPolicyCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { expect } from "chai";
import { awsClients, type AwsClients } from "../../local/aws-clients";
import { seedDemoOrganization } from "../../emulator/demo-organization";
import { type Emulator, startEmulator } from "../../emulator/server";
import { deployStack, type Deployment } from "../../emulator/deploy";
import { REPORTS_PREFIX } from "../../functions/run/report-keys";
import { emulatorTarget, publishedMessages } from "../helpers/emulator-data";

/** The evidence-protection notices on the topic, oldest first. */
async function protectionNotices(endpoint: string): Promise<{ call: string; by: string }[]> {
  return (await publishedMessages(endpoint)).flatMap(({ message }) => {
    try {
      const notice = JSON.parse(message);
      return typeof notice?.whatToDo === "string" && notice.whatToDo.includes("Evidence protection changed") ? [notice] : [];
    } catch {
      return [];
    }
  });
}

/** What would undo the evidence without touching an object, as an administrator of the account might try it. */
const UNDOING: Record<string, (s3: S3Client, bucket: string) => Promise<unknown>> = {
  // The quiet one: S3 Lifecycle's deletions are S3's own, beyond the bucket policy's deny on deletes.
  PutBucketLifecycle: (s3, Bucket) =>
    s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket,
        LifecycleConfiguration: { Rules: [{ ID: "housekeeping", Status: "Enabled", Filter: { Prefix: REPORTS_PREFIX }, Expiration: { Days: 1 }, NoncurrentVersionExpiration: { NoncurrentDays: 1 } }] },
      }),
    ),
  DeleteBucketLifecycle: (s3, Bucket) => s3.send(new DeleteBucketLifecycleCommand({ Bucket })),
  PutBucketVersioning: (s3, Bucket) => s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Suspended" } })),
  PutBucketEncryption: (s3, Bucket) => s3.send(new PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] } })),
  DeleteBucketPolicy: (s3, Bucket) => s3.send(new DeleteBucketPolicyCommand({ Bucket })),
};

// The deployed bucket policy, judged by the authorizing layer: an administrator of the account who
// is not an evidence administrator cannot change what protects the evidence, and every attempt,
// refused or not, reaches the topic through the stack's rule on CloudTrail's records.
describe("evidence nobody can quietly destroy (the deployed bucket policy and rule, in moto behind the layer)", function () {
  this.timeout(120_000);
  let emulator: Emulator;
  let admin: AwsClients;
  let deployment: Deployment;
  let bucket: string;

  before(async () => {
    emulator = await startEmulator();
    admin = awsClients(emulatorTarget(emulator.endpoint));
    const org = await seedDemoOrganization(admin, { memberAccounts: 1, ouNames: ["A"], suspended: 0, bucket: "guarded-reports", topicName: "guarded-alerts" });
    deployment = await deployStack(emulator, org);
    bucket = deployment.stack.outputs.bucketName;
  });
  after(() => emulator?.stop());

  it("refuses an administrator of the account each change that would undo the evidence, naming the statement, and tells the topic who tried", async () => {
    for (const [call, undo] of Object.entries(UNDOING)) {
      emulator.authorizer!.resetRefusals();
      const error = await undo(admin.s3, bucket).then(() => undefined, (err: Error) => err);
      expect(error?.name, call).to.equal("AccessDenied");
      expect(emulator.authorizer!.refusals.map((r) => r.statements).flat(), call).to.deep.equal(["DenyProtectionChangesByOthers"]);
    }
    await deployment.delivered();

    const notices = await protectionNotices(emulator.endpoint);
    // Each delivered on its own, as EventBridge does: in any order.
    expect(notices.map((n) => [n.call, n.by])).to.have.deep.members(Object.keys(UNDOING).map((call) => [call, "arn:aws:iam::123456789012:user/administrator"]));
  });

  it("lets the evidence administrator (whoever deployed) change them, and is heard all the same", async () => {
    const before = (await protectionNotices(emulator.endpoint)).length;
    await UNDOING.PutBucketLifecycle(deployment.deployer.s3, bucket);
    await deployment.delivered();

    const notices = (await protectionNotices(emulator.endpoint)).slice(before);
    expect(notices.map((n) => [n.call, n.by])).to.deep.equal([["PutBucketLifecycle", "arn:aws:iam::123456789012:user/deployer"]]);
    expect(emulator.authorizer!.unjudged).to.deep.equal([]);
  });
});
