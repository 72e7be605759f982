import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { awsClients } from "../../local/aws-clients";
import { DEMO_SPEC, type DemoOrganization, seedDemoOrganization } from "../../emulator/demo-organization";
import { type Emulator, startEmulator } from "../../emulator/server";
import { runLocally } from "../../local/runner";
import { parseAcceptedRisks } from "../../functions/analysis/accepted-risks-file";
import { accountAnalysisKey, analysisKey, reportKey } from "../../functions/run/report-keys";
import type { Manifest } from "../../functions/summarize/manifest";
import { bucketSnapshot, emulatorTarget, stackRunOptions } from "../helpers/emulator-data";
import { deployStack, type Deployment } from "../../emulator/deploy";
import { expectSameAnswers } from "../helpers/equivalence";
import { assumeRoleDenied, type FaultProxy, startFaultProxy } from "../helpers/fault-proxy";
import { analysisFiles, analyzeRun } from "../helpers/reference-analysis";

const RISKS_FILE = join(__dirname, "..", "..", "examples", "accepted-risks.yaml");

// The demo organization through the pipeline (each account analysed where its report is read,
// then combined by Summarize) against today's analysis of the very reports the runs stored: two
// runs, the second with one account failing and one OU out of scope (its accounts no longer
// listed), with the demo's accepted risks and break-glass user.
describe("analysis equivalence on the demo organization (moto on loopback)", function () {
  this.timeout(120_000);
  let emulator: Emulator;
  let proxy: FaultProxy;
  let org: DemoOrganization;
  let deployment: Deployment;

  before(async () => {
    emulator = await startEmulator();
    proxy = await startFaultProxy(emulator.endpoint);
    org = await seedDemoOrganization(awsClients(emulatorTarget(emulator.endpoint)), DEMO_SPEC);
    deployment = await deployStack(emulator, org);
  });
  after(async () => {
    await proxy?.close();
    await emulator?.stop();
  });

  it("stores the findings, changes and CSV today's analysis makes of the same reports", async () => {
    const acceptedRisks = parseAcceptedRisks(readFileSync(RISKS_FILE, "utf8"), RISKS_FILE);
    const direct = awsClients(emulatorTarget(emulator.endpoint));
    let previous: ReturnType<typeof analysisFiles> | undefined;
    const sandbox = org.ous.find((ou) => ou.name === "Sandbox")!;
    const left = org.members.filter((m) => m.ouId === sandbox.id && !m.suspended).map((m) => m.id);
    for (const runId of ["equivalence-1", "equivalence-2"]) {
      const second = runId === "equivalence-2";
      if (second) proxy.addRule(assumeRoleDenied(org.members.find((m) => m.ouId !== sandbox.id && !m.suspended)!.id));
      const scope = second ? { includeOuIds: org.ous.filter((ou) => ou !== sandbox).map((ou) => ou.id), excludeAccountIds: [] } : undefined;
      const result = await runLocally(await stackRunOptions(deployment, proxy.endpoint, { runId, acceptedRisks, ...(scope ? { scope } : {}) }));
      if (result.status !== "succeeded") throw new Error(`${runId} failed: ${result.error}`);
      const stored = await bucketSnapshot(direct.s3, org.bucket);
      const text = (key: string) => stored.get(key)!.body.toString();
      const manifest = JSON.parse(text(result.summary.manifestKey)) as Manifest;
      const run = { id: runId, startedAt: manifest.startedAt };

      const collected = manifest.accounts.filter((a) => a.status === "collected");
      const old = analyzeRun({
        runId,
        runStartedAt: new Date(run.startedAt),
        reports: collected.map((a) => ({
          accountId: a.accountId,
          accountName: a.name,
          csv: text(reportKey(run, a.accountId)),
          generatedAt: new Date(a.reportGeneratedAt!),
          // What IAM said of the account, as the collector kept it in the account's analysis.
          iam: JSON.parse(text(accountAnalysisKey(run, a.accountId))).iam,
        })),
        previous: previous && { runId: "equivalence-1", findings: JSON.parse(previous.findings.body).findings, notRechecked: JSON.parse(previous.changes.body).notRechecked },
        acceptedRisks,
      });
      const reference = analysisFiles(run, old);
      expectSameAnswers(
        { findings: text(analysisKey(run, "findings")), changes: text(analysisKey(run, "changes")), users: text(analysisKey(run, "users")) },
        { findings: reference.findings.body, changes: reference.changes.body, users: reference.users.body },
        runId,
      );
      expect(collected.length, runId).to.equal(second ? 13 - 1 - left.length : 13);
      previous = reference;
    }
    // The failed account's findings, and those of the accounts no longer listed, are carried.
    const carried = new Set((JSON.parse(previous!.changes.body).notRechecked as { accountId: string }[]).map((f) => f.accountId));
    expect(left.length).to.be.greaterThan(0);
    expect(left.filter((id) => carried.has(id))).to.not.deep.equal([]);
  });
});
