import { GetObjectCommand } from "@aws-sdk/client-s3";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { expect } from "chai";
import { emulatorTarget, stackRunOptions } from "../../helpers/emulator-data";
import { deployStack, type Deployment } from "../../../emulator/deploy";
import { awsClients, type AwsClients, type AwsTarget } from "../../../local/aws-clients";
import { type DemoOrganization, seedDemoOrganization } from "../../../emulator/demo-organization";
import { type Emulator, startEmulator } from "../../../emulator/server";
import { exitStatusOf } from "../../../cli/exit-status";
import { type LocalRunResult, runLocally } from "../../../local/runner";
import type { StoredSummary } from "../../../functions/org-report/run-combiner";
import { analysisKey } from "../../../functions/run/report-keys";
import { DEFAULT_SETTINGS } from "../../../functions/run/settings";
import type { Manifest } from "../../../functions/summarize/manifest";
import { type FaultProxy, type FaultRule, startFaultProxy } from "../../helpers/fault-proxy";

// Each service's own "come back later", as AWS sends it.
const RETRY_LATER: readonly FaultRule[] = [
  { service: "sts", fault: { status: 400, code: "Throttling", message: "Rate exceeded" } },
  { service: "iam", fault: { status: 400, code: "Throttling", message: "Rate exceeded" } },
  { service: "s3", fault: { status: 503, code: "SlowDown", message: "Please reduce your request rate." } },
  { service: "organizations", fault: { status: 400, code: "TooManyRequestsException", message: "AWS Organizations can't complete your request because another request is already in progress." } },
  { service: "sns", fault: { status: 429, code: "Throttled", message: "Rate exceeded" } },
  { service: "events", fault: { status: 400, code: "ThrottlingException", message: "Rate exceeded" } },
];
const SHARE = 0.35;

// A run where a third of every call is told to come back later: every failed call is retried on
// its own (the SDK's attempts, then ours around each read and write, then the step's), so the run
// ends as a calm one does. The SDK gets its three attempts with short pauses, as in the fault
// matrix: what is tested is what happens after. (Its adaptive mode, which the Lambdas use, slows a
// client that AWS throttles; faults drawn at random whatever the rate only make it slow here.)
describe("soak: 35 % of every service's calls answered 'retry later' (60 accounts)", function () {
  this.timeout(120_000);
  let emulator: Emulator;
  let proxy: FaultProxy;
  let direct: AwsClients;
  let org: DemoOrganization;
  let deployment: Deployment;

  before(async () => {
    emulator = await startEmulator();
    direct = awsClients(emulatorTarget(emulator.endpoint));
    org = await seedDemoOrganization(direct, { memberAccounts: 59, ouNames: ["A", "B", "C"], suspended: 0, bucket: "soak-reports", topicName: "soak-alerts" });
    deployment = await deployStack(emulator, org);
    proxy = await startFaultProxy(emulator.endpoint, { defaultAccount: org.managementAccountId });
  });

  after(async () => {
    await proxy?.close();
    await emulator?.stop();
  });

  const run = async (endpoint: string, runId: string, target: Partial<AwsTarget> = {}): Promise<LocalRunResult> =>
    runLocally(await stackRunOptions(deployment, endpoint, { settings: { ...DEFAULT_SETTINGS, maxConcurrency: 8 }, runId, pauseMs: 5, unreachableAfterMs: 30_000 }, target));

  it("collects every account and stores the same answers as a calm run, exit 0", async () => {
    const calm = await run(emulator.endpoint, "calm");
    for (const rule of RETRY_LATER) proxy.addRule({ ...rule, probability: SHARE });
    const soaked = await run(proxy.endpoint, "soaked", { retryStrategy: new ConfiguredRetryStrategy(3, () => 20) });

    expect(soaked.status, soaked.status === "failed" ? soaked.error : "").to.equal("succeeded");
    expect(exitStatusOf(soaked)).to.equal(0);
    if (calm.status !== "succeeded" || soaked.status !== "succeeded") return;
    expect(soaked.summary.analysisError).to.equal(undefined);
    expect(soaked.summary.counts).to.include({ accounts: 60, collected: 60, failed: 0 });
    const manifest = await readJson<Manifest>(soaked.summary.manifestKey);
    expect(manifest.accounts.map((a) => a.status)).to.deep.equal(Array(60).fill("collected"));
    expect(manifest.accounts.filter((a) => a.unverified !== undefined)).to.deep.equal([]);

    // The same findings as the calm run, all of them stored.
    const summaryOf = async (result: typeof calm & { status: "succeeded" }) =>
      readJson<StoredSummary>(result.summary.manifestKey.replace("manifest.json", "summary.json"));
    const [calmSummary, soakedSummary] = [await summaryOf(calm), await summaryOf(soaked)];
    expect(soakedSummary.totals).to.deep.equal(calmSummary.totals);
    const findings = await readJson<{ findings: unknown[] }>(analysisKey({ id: "soaked", startedAt: manifest.startedAt }, "findings"));
    expect(findings.findings).to.have.length(calmSummary.totals.findings);

    // The faults really were that thick, in every service the run called.
    for (const [index, rule] of RETRY_LATER.entries()) {
      const calls = proxy.seen.filter((r) => r.service === rule.service);
      if (calls.length < 20) continue;
      const share = calls.filter((r) => r.faultedBy === index).length / calls.length;
      expect(share, `${rule.service}: ${calls.length} calls`).to.be.within(0.25, 0.45);
    }
    expect(new Set(proxy.seen.map((r) => r.service))).to.include.members(["sts", "iam", "s3", "organizations"]);
  });

  async function readJson<T>(key: string): Promise<T> {
    const got = await direct.s3.send(new GetObjectCommand({ Bucket: org.bucket, Key: key }));
    return JSON.parse(await got.Body!.transformToString()) as T;
  }
});
