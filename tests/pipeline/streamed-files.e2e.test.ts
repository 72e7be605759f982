import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { type AwsClients, awsClients } from "../../local/aws-clients";
import { seedDemoOrganization } from "../../emulator/demo-organization";
import { type Emulator, startEmulator } from "../../emulator/server";
import { deployStack, type Deployment } from "../../emulator/deploy";
import type { RunFileWriter } from "../../functions/org-report/run-combiner";
import { ANALYSIS_FILES, runFileKey, summarizePartsPrefix } from "../../functions/run/report-keys";
import { RunFilesInFolder } from "../../functions/summarize/run-files";
import { RunFilesStreamed } from "../../functions/summarize/streamed-files";
import { MIN_PART_BYTES } from "../../functions/summarize/multipart-upload";
import { emulatorTarget } from "../helpers/emulator-data";

/**
 * What the combiner does with a run's files, at a size that needs S3's parts: a findings part of
 * about 13 MiB (staged, then copied by S3 into two files), one of about 13 MiB between a header and a
 * tail, and small ones that stay in memory.
 */
async function writeRun(out: RunFileWriter): Promise<void> {
  const line = (i: number) => `{"id":"111111111111/user-${i}/access-key-old/access_key_1","severity":"high","padding":"${"x".repeat(160)}"}\n`;
  for (let i = 0; i < 70_000; i++) {
    await out.append("findingsLines", line(i));
    if (i % 2 === 0) await out.append("findingsCsv", `111111111111,user-${i},access-key-old,${"y".repeat(360)}\n`);
    if (i % 1000 === 0) await out.append("users", `111111111111,acct,user-${i}\n`);
  }
  await out.assemble("findingsLines", [{ part: "findingsLines" }]);
  await out.assemble("historyFindings", [{ part: "findingsLines" }]);
  await out.assemble("findingsCsv", ["account_id,user,check,detail\n", { part: "findingsCsv" }, "# end\n"]);
  await out.assemble("users", ["account_id,account_name,user\n", { part: "users" }]);
  await out.assemble("summary", ['{"findings": 70000}\n']);
}

// Summarize's files as the deployed Summarize writes them, as its role, under the deployed bucket
// policy and the authorizing layer: nothing on disk, every file complete and equal to what the
// writer to a folder makes of the same run, and never one stored over another.
describe("combined files streamed to S3 in parts (moto behind the layer, as Summarize's role)", function () {
  this.timeout(180_000);
  let emulator: Emulator;
  let deployment: Deployment;
  let summarize: AwsClients;
  let admin: AwsClients;
  let folder: string;
  const run = { id: "streamed-1", startedAt: "2026-12-07T08:00:00.000Z" };
  const files = ["findingsLines", "historyFindings", "findingsCsv", "users", "summary"] as const;

  before(async () => {
    emulator = await startEmulator();
    admin = awsClients(emulatorTarget(emulator.endpoint));
    const org = await seedDemoOrganization(admin, { memberAccounts: 1, ouNames: ["A"], suspended: 0, bucket: "streamed-reports", topicName: "streamed-alerts" });
    deployment = await deployStack(emulator, org);
    summarize = (await deployment.identities()).summarize;
    folder = mkdtempSync(join(tmpdir(), "credreport-unsplit-"));
  });
  after(async () => {
    rmSync(folder, { recursive: true, force: true });
    await emulator?.stop();
  });

  const staging = () => ({ bucket: deployment.stack.outputs.mapBucketName, prefix: summarizePartsPrefix(run.id) });
  const stored = async (key: string) => Buffer.from(await (await summarize.s3.send(new GetObjectCommand({ Bucket: deployment.stack.outputs.bucketName, Key: key }))).Body!.transformToByteArray());

  it("stores every file byte for byte as the writer to a folder makes it, the large parts copied by S3 from the map bucket", async () => {
    const streamed = new RunFilesStreamed(summarize.s3, deployment.stack.outputs.bucketName, run, staging());
    try {
      await writeRun(streamed);
    } finally {
      await streamed.close();
    }
    const unsplit = new RunFilesInFolder(folder);
    await writeRun(unsplit);
    await unsplit.close();

    for (const file of files) {
      const body = await stored(runFileKey(run, file));
      if (file === "historyFindings") expect(body.equals(readFileSync(join(folder, ANALYSIS_FILES.findingsLines))), file).to.equal(true);
      else expect(body.equals(readFileSync(join(folder, ANALYSIS_FILES[file as keyof typeof ANALYSIS_FILES]))), file).to.equal(true);
    }
    expect((await stored(runFileKey(run, "findingsLines"))).length).to.be.greaterThan(2 * MIN_PART_BYTES);
    // The parts that did not fit in memory waited in the map bucket, under the run's own prefix.
    const parts = await admin.s3.send(new ListObjectsV2Command({ Bucket: deployment.stack.outputs.mapBucketName, Prefix: summarizePartsPrefix(run.id) }));
    expect((parts.Contents ?? []).map((o) => o.Key!.slice(summarizePartsPrefix(run.id).length)).sort()).to.deep.equal(["findingsCsv", "findingsLines"]);
    expect(emulator.authorizer!.refusals).to.deep.equal([]);
  });

  it("completes a file only where none is: a second writer of the same run changes nothing, and leaves no upload open", async () => {
    const before = await stored(runFileKey(run, "findingsLines"));
    const again = new RunFilesStreamed(summarize.s3, deployment.stack.outputs.bucketName, run, staging());
    try {
      for (let i = 0; i < 40_000; i++) await again.append("findingsLines", `{"other":${i},"padding":"${"z".repeat(200)}"}\n`);
      await again.assemble("findingsLines", [{ part: "findingsLines" }]);
    } finally {
      await again.close();
    }

    expect((await stored(runFileKey(run, "findingsLines"))).equals(before)).to.equal(true);
    const open = await admin.s3.send(new ListMultipartUploadsCommand({ Bucket: deployment.stack.outputs.bucketName }));
    expect(open.Uploads ?? []).to.deep.equal([]);
  });

  it("refuses, by the bucket policy, a multipart upload completed without If-None-Match, and any upload by another writer", async () => {
    emulator.authorizer!.resetRefusals();
    const { S3Client, CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand } = await import("@aws-sdk/client-s3");
    const s3: InstanceType<typeof S3Client> = summarize.s3;
    const Bucket = deployment.stack.outputs.bucketName;
    const Key = runFileKey({ id: "streamed-2", startedAt: run.startedAt }, "findingsLines");
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const part = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: "only part" }));
    const unconditional = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } })).catch((err: Error) => err.name);
    expect(unconditional).to.equal("AccessDenied");
    expect(emulator.authorizer!.refusals.flatMap((r) => r.statements)).to.include("DenyPutUnlessAbsent");

    const collector = (await deployment.identities()).collector.s3;
    expect(await collector.send(new CreateMultipartUploadCommand({ Bucket, Key })).catch((err: Error) => err.name)).to.equal("AccessDenied");
  });
});
