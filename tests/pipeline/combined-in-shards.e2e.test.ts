import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { parquetReadObjects } from "hyparquet";
import { expect } from "chai";
import { awsClients, type AwsClients } from "../../local/aws-clients";
import { type DemoOrganization, seedDemoOrganization } from "../../emulator/demo-organization";
import { changeDemoOrganization } from "../../emulator/demo-changes";
import { type Emulator, startEmulator } from "../../emulator/server";
import { deployStack, type Deployment } from "../../emulator/deploy";
import { type LocalRunResult, runLocally } from "../../local/runner";
import { silentLog } from "../../functions/log";
import { ANALYSIS_FILES, historyKey, runFileKey, runPrefix, summarizePartsPrefix } from "../../functions/run/report-keys";
import type { RunRef } from "../../functions/run/contracts";
import { STATES } from "../../functions/pipeline/state-machine-definition";
import { summarize } from "../../functions/summarize/summarize";
import { bucketSnapshot, emulatorTarget, stackRunOptions } from "../helpers/emulator-data";

// A run cut into shards by the deployed definition (a Map of Summarize, then the merge), as each
// part's own role under the authorizing layer, against the same run combined in one piece: every
// file is the same, byte for byte, and the history holds the same rows in one Parquet file per shard.
describe("a run combined in shards (moto behind the layer, the deployed definition)", function () {
  this.timeout(180_000);
  let emulator: Emulator;
  let direct: AwsClients;
  let org: DemoOrganization;
  let deployment: Deployment;
  let sharded: LocalRunResult;
  let run: RunRef;
  const copy = "unsplit-copy";
  const shardedCopy = "sharded-copy";
  const staging = "sharded-copy-staging";
  const combinedKeys = () => new Set(Object.keys(ANALYSIS_FILES).map((file) => runFileKey(run, file as keyof typeof ANALYSIS_FILES)));

  const body = async (bucket: string, key: string) => Buffer.from(await (await direct.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());
  const keys = async (bucket: string, prefix: string) => ((await direct.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!).sort();
  const rows = async (bucket: string, key: string) => {
    const bytes = await body(bucket, key);
    return parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer });
  };

  before(async () => {
    emulator = await startEmulator();
    direct = awsClients(emulatorTarget(emulator.endpoint));
    org = await seedDemoOrganization(direct, { memberAccounts: 5, ouNames: ["A", "B"], suspended: 0, bucket: "shard-reports", topicName: "shard-alerts" });
    deployment = await deployStack(emulator, org);
    // A first run in one piece, then changes, so the second has new, resolved and known findings.
    const first = await runLocally(await stackRunOptions(deployment, emulator.endpoint, { runId: "shards-1" }));
    expect(first.status, "error" in first ? first.error : "").to.equal("succeeded");
    await changeDemoOrganization(direct, org, 1);
    sharded = await runLocally(await stackRunOptions(deployment, emulator.endpoint, { runId: "shards-2", shardLimits: { accounts: 2, reportBytes: 1 << 30 } }));
    expect(sharded.status, "error" in sharded ? sharded.error : "").to.equal("succeeded");
    run = { id: "shards-2", startedAt: JSON.parse((await body(org.bucket, `${runPrefix({ id: "shards-2", startedAt: new Date().toISOString() })}manifest.json`)).toString()).startedAt };

    // The same two runs' inputs in buckets of their own, the second's combined files left out, and
    // the second summarised again as a stored run, by an execution started a day later: in one
    // piece (no staging place, so no shards), and in shards of its own.
    const inputs = [...(await bucketSnapshot(direct.s3, org.bucket))].filter(([key]) => !combinedKeys().has(key) && !key.includes("/history/"));
    for (const bucket of [copy, shardedCopy, staging]) await direct.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const bucket of [copy, shardedCopy]) for (const [key, object] of inputs) await direct.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: object.body }));
    const again = { run: { id: run.id, startedAt: new Date(Date.now() + 86_400_000).toISOString() }, storedRun: { id: run.id, date: run.startedAt.slice(0, 10) } };
    const deps = { s3: direct.s3, sns: direct.sns, now: () => new Date(), log: silentLog, retryPauseMs: 0 };
    const unsplit = await summarize(again, { ...deps, bucket: copy });
    expect(unsplit.analysisError).to.equal(undefined);
    const resharded = await summarize(again, { ...deps, bucket: shardedCopy, mapBucket: staging, shardLimits: { accounts: 4, reportBytes: 1 << 30 } });
    expect(resharded.analysisError).to.equal(undefined);
  });
  after(async () => {
    await emulator?.stop();
  });

  it("runs the shards as a Map of Summarize and then the merge, each shard's parts waiting in the map bucket", async () => {
    const entered = sharded.history.parent.filter((e) => e.type === "StateEntered").map((e) => e.state!.name);
    expect(entered).to.include.members([STATES.summarize, STATES.combineShards, STATES.mergeShards]);
    expect(entered).to.not.include(STATES.summarized);
    // Six accounts of at most two each: three shards, each with its digest.
    const staged = await keys(deployment.stack.outputs.mapBucketName, summarizePartsPrefix(run.id));
    expect(staged.filter((key) => key.endsWith("/digest.json")).map((key) => key.slice(summarizePartsPrefix(run.id).length))).to.deep.equal([
      "shard=0/digest.json",
      "shard=1/digest.json",
      "shard=2/digest.json",
    ]);
    expect(sharded.status === "succeeded" && sharded.summary.findings!.new).to.be.greaterThan(0);
    expect(emulator.authorizer!.refusals).to.deep.equal([]);
  });

  it("stores every file of the run byte for byte as one combination makes it", async () => {
    for (const file of [...Object.keys(ANALYSIS_FILES), "historyRun"] as (keyof typeof ANALYSIS_FILES | "historyRun")[]) {
      const key = runFileKey(run, file);
      const [split, whole] = await Promise.all([body(org.bucket, key), body(copy, key)]);
      expect(split.toString(), file).to.equal(whole.toString());
    }
    const findings = JSON.parse((await body(org.bucket, runFileKey(run, "findings"))).toString()) as { findings: unknown[] };
    const changes = JSON.parse((await body(org.bucket, runFileKey(run, "changes"))).toString()) as { newFindings: unknown[]; resolvedFindings: unknown[] };
    expect(findings.findings.length).to.be.greaterThan(10);
    expect(changes.newFindings.length).to.be.greaterThan(0);
    expect(changes.resolvedFindings.length).to.be.greaterThan(0);
  });

  it("combines a stored run summarised again in shards as its own run, whenever the execution that does it started", async () => {
    for (const file of [...Object.keys(ANALYSIS_FILES), "historyRun"] as (keyof typeof ANALYSIS_FILES | "historyRun")[]) {
      const key = runFileKey(run, file);
      expect((await body(shardedCopy, key)).toString(), file).to.equal((await body(copy, key)).toString());
    }
    expect((await keys(staging, summarizePartsPrefix(run.id))).filter((key) => key.endsWith("/digest.json"))).to.have.length(2);
  });

  it("keeps the same history rows, one Parquet file per shard in account order", async () => {
    const folder = historyKey(run, "historyFindings").replace(/[^/]+$/, "");
    const shardFiles = (await keys(org.bucket, folder)).filter((key) => key.includes(`${run.id}.shard-`));
    expect(shardFiles).to.have.length(3);
    const split = (await Promise.all(shardFiles.map((key) => rows(org.bucket, key)))).flat();
    const whole = await rows(copy, historyKey(run, "historyFindings"));
    expect(whole.length).to.be.greaterThan(10);
    expect(split).to.deep.equal(whole);
  });
});
