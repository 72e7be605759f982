import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AcceptedRisk } from "../../../functions/analysis/accepted-risks";
import { analyzeReports } from "../../helpers/analyze-reports";
import { accountImport, asffFinding } from "../../../functions/analysis/security-hub-findings";
import { iamAsReported } from "../../helpers/iam-as-reported";

const NOW = new Date("2026-11-25T08:00:00Z");
const LATER = new Date("2026-11-26T08:00:00Z");
const csv = readFileSync(join(__dirname, "../../fixtures/credential-reports/workloads-111111111111.csv"), "utf8");
const report = (id: string) => ({ id, name: id, csv: csv.replaceAll("111111111111", id), iam: { ...iamAsReported(id, csv)!, passwordPolicy: null } });
const run = (at: Date) => ({ id: at.toISOString().replace(/\W/g, ""), startedAt: at.toISOString() });
const context = (run: Date) => ({ partition: "aws", region: "eu-west-1", runId: run.toISOString(), runStartedAt: run.toISOString(), now: run.toISOString(), pageUrl: "https://example.com/r" });
const aliceRule: AcceptedRisk = { check: "console-without-mfa", account: "*", user: "alice", reason: "MFA on order", owner: "sec@example.com", expires: "2026-11-25" };

describe("Security Hub findings (ASFF)", () => {
  it("names the root user and a stale report as the account, an IAM user by its ARN, and links the CIS control", async () => {
    const { accounts } = await analyzeReports({ run: run(NOW), reports: [{ ...report("111111111111"), generatedAt: new Date("2026-11-20T00:00:00Z") }] });
    const { findings } = accounts[0];
    const of = (id: string) => asffFinding(findings.find((f) => f.id === id)!, context(NOW), { firstSeenAt: "2026-11-01T08:00:00.000Z", archived: false });

    expect(of("111111111111/<root_account>/root-mfa-off").Resources).to.deep.equal([{ Type: "AwsAccount", Id: "AWS::::Account:111111111111", Partition: "aws", Region: "eu-west-1" }]);
    expect(of("111111111111/report-stale")).to.deep.include({ Types: ["Software and Configuration Checks/AWS Security Best Practices"], Compliance: { Status: "FAILED" } });
    // An account without a password policy: the account is the resource, CIS 1.8 and Security Hub's IAM.15 named.
    expect(of("111111111111/password-policy-short")).to.deep.include({
      Resources: [{ Type: "AwsAccount", Id: "AWS::::Account:111111111111", Partition: "aws", Region: "eu-west-1" }],
      Compliance: { Status: "FAILED", RelatedRequirements: ["CIS AWS Foundations Benchmark v3.0.0/1.8"] },
    });
    expect(of("111111111111/password-policy-short").ProductFields).to.deep.include({ "org-credential-reports/SecurityHubControl": "IAM.15" });
    expect(of("111111111111/report-stale").ProductFields).to.not.have.property("org-credential-reports/SecurityHubControl");
    expect(of("111111111111/alice/console-without-mfa")).to.deep.include({
      Id: "111111111111/alice/console-without-mfa",
      ProductArn: "arn:aws:securityhub:eu-west-1:111111111111:product/111111111111/default",
      GeneratorId: "org-credential-reports/console-without-mfa",
      AwsAccountId: "111111111111",
      Severity: { Label: "HIGH" },
      FirstObservedAt: "2026-11-01T08:00:00.000Z",
      CreatedAt: "2026-11-01T08:00:00.000Z",
      LastObservedAt: NOW.toISOString(),
      SourceUrl: "https://example.com/r",
      Compliance: { Status: "FAILED", RelatedRequirements: ["CIS AWS Foundations Benchmark v3.0.0/1.10"] },
      RecordState: "ACTIVE",
      Workflow: { Status: "NEW" },
    });
    // How to fix it, from the remediation table: the user's name filled in, within ASFF's 512 characters.
    const fix = of("111111111111/alice/console-without-mfa").Remediation!.Recommendation!;
    expect(fix.Url).to.equal("https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable.html");
    // MFA first; removing the console password is only for a user who needs no console.
    expect(fix.Text).to.contain("aws iam create-virtual-mfa-device --virtual-mfa-device-name 'alice'");
    expect(fix.Text!.indexOf("create-virtual-mfa-device")).to.be.below(fix.Text!.indexOf("delete-login-profile"));
    for (const f of findings) {
      const text = asffFinding(f, context(NOW), { firstSeenAt: NOW.toISOString(), archived: false }).Remediation!.Recommendation!.Text!;
      expect(text.length, f.id).to.be.within(20, 512);
    }
  });

  it("says on a finding what the pipeline did about its key, in a product field every import may update; nothing on a key it only left", async () => {
    const { accounts } = await analyzeReports({ run: run(NOW), reports: [report("111111111111")] });
    const [finding] = accounts[0].findings;
    const action = (outcome: "deactivated" | "left") => ({
      findingId: finding.id,
      accountId: "111111111111",
      user: finding.user,
      credential: "access_key_1" as const,
      outcome,
      at: NOW.toISOString(),
      daysUnused: 120,
      openSince: NOW.toISOString(),
      accessKeyId: "AKIAEXAMPLE",
      undo: "aws iam update-access-key ...",
    });
    const fieldOf = (outcome: "deactivated" | "left") =>
      accountImport({ ...accounts[0], remediation: { actions: [action(outcome)], scheduled: [] } }, context(NOW))!.findings.find((f) => f.Id === finding.id)!.ProductFields!["org-credential-reports/PipelineAction"];
    expect(fieldOf("deactivated")).to.match(/^Deactivated by the credential report pipeline on .* \(key AKIAEXAMPLE, unused 120 days, .*\)\. Undo: aws iam update-access-key/);
    expect(fieldOf("left")).to.equal(undefined);
  });

  it("sends nothing for an account not re-checked, archives what a re-checked one resolved, and moves the finding of a rule that ended back to its own id", async () => {
    const first = await analyzeReports({ run: run(NOW), reports: [report("111111111111"), report("222222222222")], acceptedRisks: [aliceRule] });
    const knownOf = (accountId: string) => {
      const account = first.accounts.find((a) => a.accountId === accountId)!;
      return { runId: account.run.id, findings: account.findings, notRechecked: account.notRechecked };
    };
    // The next day: 222... is not read, bob is gone from 111..., and alice's rule has expired.
    const withoutBob = csv.split("\n").filter((line) => !line.startsWith("bob,")).join("\n");
    const second = await analyzeReports({
      run: run(LATER),
      reports: [{ id: "111111111111", name: "a", csv: withoutBob }, { id: "222222222222", name: "b", csv: { readError: "AccessDenied" } }],
      known: knownOf,
      acceptedRisks: [aliceRule],
    });

    const imports = second.accounts.map((account) => accountImport(account, context(LATER)));

    expect(imports.map((i) => i?.accountId)).to.deep.equal(["111111111111", undefined]);
    const one = imports[0]!;
    const archived = one.findings.filter((f) => f.RecordState === "ARCHIVED");
    expect(archived.map((f) => f.Id).sort()).to.deep.equal(knownOf("111111111111").findings.filter((f) => f.user === "bob").map((f) => f.id).sort());
    expect(archived.every((f) => f.Compliance?.Status === "PASSED" && f.FirstObservedAt === NOW.toISOString())).to.equal(true);
    // Alice's rule ended: her finding is open again under its own id, created NEW, and its accepted
    // id is archived (still failing: it moved, it was not fixed).
    const alice = "111111111111/alice/console-without-mfa";
    expect(one.stateChanges).to.equal(1);
    expect(one.findings.find((f) => f.Id === alice)).to.deep.include({ RecordState: "ACTIVE", Workflow: { Status: "NEW" } });
    expect(one.twins.map((f) => [f.Id, f.RecordState, f.Workflow!.Status, f.Compliance!.Status])).to.deep.equal([[`${alice}/accepted`, "ARCHIVED", "SUPPRESSED", "FAILED"]]);
    expect(one.findings.filter((f) => f.RecordState === "ACTIVE")).to.have.length(second.accounts[0].findings.length);
  });

  it("moves a finding to its accepted id when a rule begins, archives its open id every run it stays accepted, and archives a resolved one under the id it had", async () => {
    const aliceUntil = (expires: string): AcceptedRisk => ({ ...aliceRule, expires });
    const alice = "111111111111/alice/console-without-mfa";
    const day = (n: number) => new Date(NOW.getTime() + n * 86_400_000);
    const runs: Awaited<ReturnType<typeof analyzeReports>>[] = [];
    const next = async (at: Date, acceptedRisks: AcceptedRisk[], reportCsv = csv) => {
      const before = runs.at(-1)?.accounts[0];
      runs.push(await analyzeReports({
        run: run(at),
        reports: [{ ...report("111111111111"), csv: reportCsv }],
        known: before ? () => ({ runId: before.run.id, findings: before.findings, notRechecked: before.notRechecked }) : undefined,
        acceptedRisks,
      }));
      return accountImport(runs.at(-1)!.accounts[0], context(at))!;
    };
    const ofAlice = (findings: readonly { Id?: string; RecordState?: string; Workflow?: { Status?: string } }[]) =>
      findings.filter((f) => f.Id!.startsWith(alice)).map((f) => `${f.Id!.slice(alice.length) || "(own id)"} ${f.RecordState} ${f.Workflow!.Status}`);

    const open = await next(NOW, []);
    expect([ofAlice(open.findings), ofAlice(open.twins), open.stateChanges]).to.deep.equal([["(own id) ACTIVE NEW"], [], 0]);
    // The rule begins: created under the accepted id, SUPPRESSED with the rule's note; the open one archived.
    const began = await next(day(1), [aliceUntil("2099-01-01")]);
    expect([ofAlice(began.findings), ofAlice(began.twins), began.stateChanges]).to.deep.equal([["/accepted ACTIVE SUPPRESSED"], ["(own id) ARCHIVED NEW"], 1]);
    expect(began.findings.find((f) => f.Id === `${alice}/accepted`)!.Note!.Text).to.match(/^Accepted risk \(console-without-mfa\): MFA on order\. Owner sec@example.com/);
    // Still accepted: the open id is archived again (it heals a finding 0.4.0 kept under its own id), no change counted.
    const kept = await next(day(2), [aliceUntil("2099-01-01")]);
    expect([ofAlice(kept.findings), ofAlice(kept.twins), kept.stateChanges]).to.deep.equal([["/accepted ACTIVE SUPPRESSED"], ["(own id) ARCHIVED NEW"], 0]);
    // Fixed while accepted: archived under the accepted id, passing; the open id stays archived.
    const withoutAlice = csv.split("\n").filter((line) => !line.startsWith("alice,")).join("\n");
    const fixed = await next(day(3), [aliceUntil("2099-01-01")], withoutAlice);
    expect([ofAlice(fixed.findings), ofAlice(fixed.twins)]).to.deep.equal([["/accepted ARCHIVED SUPPRESSED"], ["(own id) ARCHIVED NEW"]]);
    expect(fixed.findings.find((f) => f.Id === `${alice}/accepted`)!.Compliance!.Status).to.equal("PASSED");
    // No finding is ever created under an id in the other id's state.
    for (const sent of [open, began, kept, fixed].flatMap((i) => [...i.findings, ...i.twins])) {
      expect(sent.Workflow!.Status, sent.Id).to.equal(sent.Id!.endsWith("/accepted") ? "SUPPRESSED" : "NEW");
    }
  });
});
