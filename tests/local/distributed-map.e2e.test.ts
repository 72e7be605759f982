import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { stackRunOptions } from "../helpers/emulator-data";
import { deployStack } from "../../emulator/deploy";
import { awsClients, type AwsClients } from "../../local/aws-clients";
import { type DemoOrganization, seedDemoOrganization } from "../../emulator/demo-organization";
import { type Emulator, startEmulator } from "../../emulator/server";
import { LOCAL_STATE_MACHINE_NAME, type LocalRunResult, runLocally } from "../../local/runner";
import type { AccountRef } from "../../functions/run/contracts";
import { listAccounts } from "../../functions/list-accounts/list-accounts";
import { EVERY_ACCOUNT } from "../../functions/run/account-scope";
import { silentLog } from "../../functions/log";
import { accountListKey } from "../../functions/run/report-keys";
import { DEFAULT_SETTINGS } from "../../functions/run/settings";
import { buildDefinition, STATES } from "../../functions/pipeline/state-machine-definition";
import type { Manifest } from "../../functions/summarize/manifest";
import type { ChildExecutionResult, ResultWriterManifest } from "../../functions/summarize/map-results";

// A few hundred accounts through the Distributed Map: the account list read from S3, batches as
// child executions, one batch refused as a whole, the ResultWriter's files, and a manifest that
// accounts for every account once.
describe("Distributed Map end to end (200 accounts, moto on loopback)", function () {
  this.timeout(180_000);
  const MEMBERS = 199;
  const BATCH = 25;
  const settings = { ...DEFAULT_SETTINGS, accountsPerBatch: BATCH, maxConcurrency: 8 };
  // Not an account id: the batch that holds it is refused by CollectReport as a whole.
  const DAMAGED = { id: "12345678901X", name: "damaged" };
  let emulator: Emulator;
  let clients: AwsClients;
  let org: DemoOrganization;
  let listed: AccountRef[];
  let result: LocalRunResult;
  let manifest: Manifest;
  const runId = "distributed-e2e";

  let mapBucket: string;
  const read = async <T>(key: string, bucket = org.bucket): Promise<T> =>
    JSON.parse(await (await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString()) as T;

  before(async () => {
    emulator = await startEmulator();
    clients = awsClients({ region: "us-east-1", endpoint: emulator.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
    const seeding = Date.now();
    org = await seedDemoOrganization(clients, { memberAccounts: MEMBERS, ouNames: [], suspended: 0, bucket: "scale-reports", topicName: "scale-alerts", withUsers: false });
    // The run's account record as ListAccounts would store it, with one damaged entry last; the
    // run goes on from a record already stored, as a retried ListAccounts does.
    const listing = await listAccounts(clients.organizations, EVERY_ACCOUNT, silentLog);
    listed = [...listing.accounts, DAMAGED];
    console.log(`      seeded in ${Date.now() - seeding} ms`);
    const running = Date.now();
    const run = { id: runId, startedAt: new Date().toISOString() };
    const deployment = await deployStack(emulator, org);
    mapBucket = deployment.stack.outputs.mapBucketName;
    const roles = await deployment.identities();
    await roles.listAccounts.s3.send(
      new PutObjectCommand({ Bucket: org.bucket, Key: accountListKey(run), Body: JSON.stringify({ schemaVersion: 1, run, accounts: listed, skipped: listing.skipped }), IfNoneMatch: "*" }),
    );

    result = await runLocally(await stackRunOptions(deployment, emulator.endpoint, { settings, runId }));
    console.log(`      ran in ${Date.now() - running} ms`);
    if (result.status !== "succeeded") throw new Error(`run failed: ${result.error}`);
    manifest = await read<Manifest>(result.summary.manifestKey);
  });

  after(async () => {
    await emulator?.stop();
  });

  it("executes the very definition the builder makes, its Map's children from its own ItemProcessor", () => {
    const arn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:credreport-${name}`;
    const expected = buildDefinition(
      { listAccountsArn: arn("list-accounts"), collectReportArn: arn("collect-report"), summarizeArn: arn("summarize"), topicArn: org.topicArn, mapBucket },
      settings,
    );
    expect(result.definition).to.deep.equal(expected);
    const childStates = new Set(result.history.children.flatMap((log) => log.flatMap((event) => (event.state ? [event.state.name] : []))));
    const processorStates = Object.keys((expected.States as Record<string, { ItemProcessor?: { States: object } }>)[STATES.collectAccounts].ItemProcessor!.States);
    // Every report was ready within its batch's first call, so no child needed WaitForReports.
    expect([...childStates]).to.have.members(processorStates.filter((name) => name !== STATES.waitForReports));
  });

  it("runs one child execution per batch of the list", () => {
    expect(result.history.children).to.have.length(Math.ceil(listed.length / BATCH));
  });

  it("accounts for every account exactly once: all collected but the refused batch, which failed with its error", () => {
    const ids = manifest.accounts.map((entry) => entry.accountId);
    expect(ids).to.have.length(listed.length);
    expect(new Set(ids).size).to.equal(ids.length);
    const refusedBatch = listed.slice(Math.floor((listed.length - 1) / BATCH) * BATCH).map((a) => a.id);
    const failed = manifest.accounts.filter((entry) => entry.status === "failed");
    expect(failed.map((entry) => entry.accountId)).to.have.members(refusedBatch);
    for (const entry of failed) expect(entry).to.deep.include({ errorType: "InvalidInput", errorCode: "InvalidInput" });
    expect(manifest.counts).to.deep.include({ accounts: listed.length, collected: listed.length - refusedBatch.length, failed: refusedBatch.length, skipped: 0 });
  });

  it("leaves the children's results where ResultWriter writes them, the refused batch among the FAILED ones", async () => {
    expect(await read(`map-runs/run=${runId}/accounts-to-collect.json`, mapBucket)).to.deep.equal(listed);
    const list = await clients.s3.send(new ListObjectsV2Command({ Bucket: mapBucket, Prefix: `map-runs/run=${runId}/` }));
    const manifestKey = (list.Contents ?? []).map((o) => o.Key!).find((key) => key.endsWith("/manifest.json"))!;
    const written = await read<ResultWriterManifest>(manifestKey, mapBucket);
    expect(written.MapRunArn).to.match(new RegExp(`^arn:aws:states:us-east-1:123456789012:mapRun:${LOCAL_STATE_MACHINE_NAME}/CollectAccounts:`));
    const succeeded = (await Promise.all((written.ResultFiles.SUCCEEDED ?? []).map((f) => read<ChildExecutionResult[]>(f.Key, mapBucket)))).flat();
    const failedChildren = (await Promise.all((written.ResultFiles.FAILED ?? []).map((f) => read<ChildExecutionResult[]>(f.Key, mapBucket)))).flat();
    expect(succeeded).to.have.length(Math.ceil(listed.length / BATCH) - 1);
    expect(failedChildren).to.have.length(1);
    expect(failedChildren[0]).to.include({ Status: "FAILED", Error: "InvalidInput" });
    expect(JSON.parse(failedChildren[0].Input).Items).to.deep.include(DAMAGED);
  });
});
