import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { awsClients, type AwsClients } from "../../cli/aws-clients";
import { type Emulator, startEmulator } from "../../cli/emulator";
import { silentLog } from "../../functions/log";
import { analysisKey, manifestKey } from "../../functions/report-keys";
import { previousRunFindings } from "../../functions/summarize/analyze-stored-run";

// Which run a new one is compared with, read from a real (emulated) bucket through the SDK.
describe("previous run lookup (moto on loopback)", function () {
  this.timeout(30_000);
  let emulator: Emulator;
  let clients: AwsClients;
  const bucket = "previous-run-reports";

  /** Stores a run's manifest and, unless `analysed` is false, its findings. */
  async function storeRun(id: string, startedAt: string, analysed = true): Promise<void> {
    const run = { id, startedAt };
    const put = (Key: string, body: unknown) => clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: JSON.stringify(body) }));
    await put(manifestKey(run), { runId: id, startedAt, accounts: [] });
    if (!analysed) return;
    await put(analysisKey(run, "findings"), { runId: id, findings: [{ id: `finding-of-${id}` }] });
    await put(analysisKey(run, "changes"), { previousRunId: null, newFindings: [], resolvedFindings: [], notRechecked: [{ id: `carried-by-${id}`, lastSeenRunId: "long-ago" }] });
  }

  before(async () => {
    emulator = await startEmulator();
    clients = awsClients({ region: "us-east-1", endpoint: emulator.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await storeRun("yesterday-late", "2026-11-24T22:00:00.000Z");
    await storeRun("early", "2026-11-25T06:00:00.000Z");
    await storeRun("morning", "2026-11-25T08:00:00.000Z");
    await storeRun("unanalysed", "2026-11-25T09:00:00.000Z", false);
    await storeRun("later", "2026-11-25T12:00:00.000Z");
  });
  after(async () => {
    await emulator?.stop();
  });

  const previousOf = (id: string, startedAt: string) => previousRunFindings({ id, startedAt }, { s3: clients.s3, bucket, log: silentLog });

  it("takes the latest earlier run of the day that has findings, by start time, not by id", async () => {
    const previous = await previousOf("zzz-new", "2026-11-25T10:00:00.000Z");
    expect(previous?.runId).to.equal("morning");
    expect(previous?.findings).to.deep.equal([{ id: "finding-of-morning" }]);
    // What that run carried forward for accounts it could not re-check is known too.
    expect(previous?.notRechecked).to.deep.equal([{ id: "carried-by-morning", lastSeenRunId: "long-ago" }]);
  });

  it("goes back to an earlier day, and ignores the run itself and later ones", async () => {
    expect((await previousOf("early", "2026-11-25T06:00:00.000Z"))?.runId).to.equal("yesterday-late");
    expect((await previousOf("first", "2026-11-24T21:00:00.000Z"))).to.equal(undefined);
  });
});
