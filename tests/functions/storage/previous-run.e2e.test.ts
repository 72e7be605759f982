import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { awsClients, type AwsClients } from "../../../local/aws-clients";
import { type Emulator, startEmulator } from "../../../emulator/server";
import { findPreviousRun, knownAccounts } from "../../../functions/storage/analysis-store";
import { accountAnalysisKey, analysisKey, manifestKey } from "../../../functions/run/report-keys";

// Which run a new one is compared with, read from a real (emulated) bucket through the SDK.
describe("previous run lookup (moto on loopback)", function () {
  this.timeout(30_000);
  let emulator: Emulator;
  let clients: AwsClients;
  const bucket = "previous-run-reports";

  /**
   * Stores a run's manifest and, unless `analysed` is false, its analysis: as this version stores
   * it (summary.json and each account's analysis), or as 0.2.0 and earlier did (findings.json and
   * changes.json for the whole organization).
   */
  async function storeRun(id: string, startedAt: string, analysed: "no" | "per account" | "legacy" = "per account"): Promise<void> {
    const run = { id, startedAt };
    const put = (Key: string, body: unknown) => clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: JSON.stringify(body) }));
    await put(manifestKey(run), { runId: id, startedAt, accounts: [] });
    if (analysed === "no") return;
    const finding = { id: `111111111111/finding-of-${id}`, accountId: "111111111111" };
    const carried = { id: `222222222222/carried-by-${id}`, accountId: "222222222222", lastSeenRunId: "long-ago" };
    if (analysed === "legacy") {
      await put(analysisKey(run, "summary"), { runId: id });
      await put(analysisKey(run, "findings"), { runId: id, findings: [finding] });
      await put(analysisKey(run, "changes"), { previousRunId: null, newFindings: [], resolvedFindings: [], notRechecked: [carried] });
      return;
    }
    await put(analysisKey(run, "summary"), { runId: id, accountAnalyses: true });
    await put(accountAnalysisKey(run, "111111111111"), { accountName: "Workloads", findings: [finding], notRechecked: [] });
    await put(accountAnalysisKey(run, "222222222222"), { accountName: "Sandbox", findings: [], notRechecked: [carried] });
  }

  before(async () => {
    emulator = await startEmulator();
    clients = awsClients({ region: "us-east-1", endpoint: emulator.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await storeRun("yesterday-late", "2026-11-24T22:00:00.000Z");
    await storeRun("early", "2026-11-25T06:00:00.000Z");
    await storeRun("morning", "2026-11-25T08:00:00.000Z");
    await storeRun("unanalysed", "2026-11-25T09:00:00.000Z", "no");
    await storeRun("before-the-upgrade", "2026-11-23T08:00:00.000Z", "legacy");
    await storeRun("later", "2026-11-25T12:00:00.000Z");
  });
  after(async () => {
    await emulator?.stop();
  });

  const store = () => ({ s3: clients.s3, bucket });
  const previousOf = (id: string, startedAt: string) => findPreviousRun({ id, startedAt }, store());

  it("takes the latest earlier run of the day that was analysed, by start time, not by id, and reads what it knew account by account", async () => {
    const previous = await previousOf("zzz-new", "2026-11-25T10:00:00.000Z");
    expect(previous).to.deep.equal({ id: "morning", startedAt: "2026-11-25T08:00:00.000Z", accountFiles: true });
    const known = knownAccounts(previous, store());
    expect(known.runId).to.equal("morning");
    expect(await known.of("111111111111")).to.deep.equal({
      runId: "morning",
      accountName: "Workloads",
      findings: [{ id: "111111111111/finding-of-morning", accountId: "111111111111" }],
      notRechecked: [],
    });
    // What that run carried forward for an account it could not re-check is known too.
    expect((await known.of("222222222222"))?.notRechecked).to.deep.equal([{ id: "222222222222/carried-by-morning", accountId: "222222222222", lastSeenRunId: "long-ago" }]);
    expect(await known.of("333333333333")).to.equal(undefined);
    // Which accounts it knew, from its account files: one this run does not list is carried.
    expect(await known.accountIds()).to.deep.equal(["111111111111", "222222222222"]);
  });

  it("goes back to an earlier day, and ignores the run itself and later ones", async () => {
    expect((await previousOf("early", "2026-11-25T06:00:00.000Z"))?.id).to.equal("yesterday-late");
    expect(await previousOf("first", "2026-11-23T07:00:00.000Z")).to.equal(undefined);
  });

  it("reads a run of an older version from its organization-wide files, by account", async () => {
    const previous = await previousOf("after-the-upgrade", "2026-11-23T12:00:00.000Z");
    expect(previous).to.deep.equal({ id: "before-the-upgrade", startedAt: "2026-11-23T08:00:00.000Z", accountFiles: false });
    const known = knownAccounts(previous, store());
    expect((await known.of("111111111111"))?.findings.map((f) => f.id)).to.deep.equal(["111111111111/finding-of-before-the-upgrade"]);
    expect((await known.of("222222222222"))?.notRechecked.map((f) => f.id)).to.deep.equal(["222222222222/carried-by-before-the-upgrade"]);
    expect(await known.accountIds()).to.deep.equal(["111111111111", "222222222222"]);
  });
});
