import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type AcceptedRisk, applyAcceptedRisks, InvalidAcceptedRisks, parseAcceptedRisks } from "../../functions/analysis/accepted-risks";
import { analysisFiles, analyzeRun, urgentNewFindings } from "../../functions/analysis/analyze-run";

const NOW = new Date("2026-11-25T08:00:00Z");
const csv = readFileSync(join(__dirname, "../fixtures/credential-reports/workloads-111111111111.csv"), "utf8");
const analyse = (acceptedRisks?: AcceptedRisk[]) => analyzeRun({ runId: "r1", runStartedAt: NOW, reports: [{ accountId: "111111111111", accountName: "w", csv }], acceptedRisks });

const rule = (fields: Partial<AcceptedRisk>): AcceptedRisk => ({
  check: "console-without-mfa",
  account: "111111111111",
  user: "alice",
  reason: "break-glass login, MFA in the safe",
  owner: "security@example.com",
  expires: "2027-03-31",
  ...fields,
});

describe("accepted risks", () => {
  it("reads rules from YAML, a bare date included, and from JSON", () => {
    const yaml = `acceptedRisks:
  - check: console-without-mfa
    account: "111111111111"
    user: "ali*"
    reason: break-glass login, MFA in the safe
    owner: security@example.com
    expires: 2027-03-31
`;
    expect(parseAcceptedRisks(yaml, "risks.yaml")).to.deep.equal([rule({ user: "ali*" })]);
    expect(parseAcceptedRisks(JSON.stringify({ acceptedRisks: [rule({})] }), "risks.json")).to.deep.equal([rule({})]);
  });

  it("names every problem by its place", () => {
    const text = JSON.stringify({
      acceptedRisks: [
        { ...rule({ check: "no-such-check" as AcceptedRisk["check"], account: "1234" }), expires: "2027-13-01" },
        { check: "access-key-old", account: "*", user: "bob", owner: "o", expires: "2027-01-01", until: "x" },
      ],
    });
    const error = (() => {
      try {
        parseAcceptedRisks(text, "risks.json");
      } catch (err) {
        return err as InvalidAcceptedRisks;
      }
    })();

    expect(error).to.be.instanceOf(InvalidAcceptedRisks);
    expect(error!.problems[0]).to.match(/^acceptedRisks\[0\]\.check must be one of root-mfa-off, .*console-without-mfa.*, got "no-such-check"$/);
    expect(error!.problems.slice(1)).to.deep.equal([
      'acceptedRisks[0].account must be a 12-digit account id or "*", got "1234"',
      'acceptedRisks[0].expires must be a day (YYYY-MM-DD), got "2027-13-01"',
      "acceptedRisks[1].until is not a field of a rule (check, account, user, reason, owner, expires)",
      "acceptedRisks[1].reason is required (text), got null",
    ]);
    expect(error!.message).to.match(/^risks\.json: 5 problems in the accepted risks:\n {2}- /);
    expect(() => parseAcceptedRisks("rules: []", "r.yaml")).to.throw("acceptedRisks must be a list of rules");
  });

  it("covers findings of the rule's check, account and user pattern, until the rule's day", () => {
    const { findings } = analyse();
    const alice = findings.find((f) => f.id === "111111111111/alice/console-without-mfa")!;
    const everyone = rule({ account: "*", user: "*" });

    expect(applyAcceptedRisks([alice], [rule({ expires: "2026-11-25" })], NOW).accepted).to.have.length(1);
    expect(applyAcceptedRisks([alice], [rule({ user: "al*" })], NOW).accepted).to.have.length(1);
    expect(applyAcceptedRisks([alice], [rule({ user: "alic" })], NOW).open).to.deep.equal([alice]);
    expect(applyAcceptedRisks([alice], [rule({ account: "222222222222" })], NOW).open).to.deep.equal([alice]);
    expect(applyAcceptedRisks([alice], [rule({ check: "access-key-old" })], NOW).open).to.deep.equal([alice]);
    expect(applyAcceptedRisks([alice], [everyone], NOW).accepted).to.deep.equal([{ finding: alice, rule: everyone }]);
  });

  it("stops applying a rule after its day and says so; a rule that matched nothing is stale", () => {
    const { findings } = analyse();
    const expired = rule({ expires: "2026-11-24" });
    const unused = rule({ user: "nobody" });

    const decisions = applyAcceptedRisks(findings, [expired, unused], NOW);

    expect(decisions.accepted).to.deep.equal([]);
    expect(decisions.open).to.deep.equal(findings);
    expect(decisions.expired).to.deep.equal([expired]);
    expect(decisions.stale).to.deep.equal([unused]);
  });

  it("keeps an accepted finding in findings.json with its rule, out of the open counts and the alerts", () => {
    const before = analyse();
    const accepted = rule({});
    const after = analyse([accepted]);
    const files = analysisFiles({ id: "r1", startedAt: NOW.toISOString() }, after);
    const stored = JSON.parse(files.findings.body);

    expect(after.findings).to.deep.equal(before.findings);
    expect(after.summary.totals.findings).to.equal(before.summary.totals.findings - 1);
    expect(after.summary.bySeverity.high).to.equal(before.summary.bySeverity.high - 1);
    expect(urgentNewFindings(before.changes, before.risks).map((f) => f.id)).to.include("111111111111/alice/console-without-mfa");
    expect(urgentNewFindings(after.changes, after.risks).map((f) => f.id)).to.not.include("111111111111/alice/console-without-mfa");
    expect(stored.findings.find((f: { id: string }) => f.id === "111111111111/alice/console-without-mfa").acceptedRisk).to.deep.equal(accepted);
    expect(files.findingsLines.body.split("\n").filter((line) => line.includes('"accepted":true'))).to.have.length(1);
    expect(JSON.parse(files.summary.body).acceptedRisks).to.deep.equal({ findings: 1, expiredRules: 0, staleRules: 0 });
    expect(after.html).to.contain("<h2>Accepted risks</h2>");
    expect(after.html).to.contain("break-glass login, MFA in the safe (security@example.com, until 2027-03-31)");
  });
});
