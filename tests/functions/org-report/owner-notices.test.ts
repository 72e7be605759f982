import { expect } from "chai";
import type { AccountAnalysis } from "../../../functions/analysis/account-analysis";
import type { StoredFinding } from "../../../functions/analysis/changes";
import { DEFAULT_THRESHOLDS } from "../../../functions/analysis/findings";
import { ownerMessage, OwnerNotices } from "../../../functions/org-report/owner-notices";

const run = { id: "run-1", startedAt: "2026-12-08T08:00:00.000Z" };
const finding = (accountId: string, user: string, severity: StoredFinding["severity"], checkId: StoredFinding["checkId"] = "console-without-mfa"): StoredFinding => ({
  id: `${accountId}/${user}/${checkId}`,
  checkId,
  severity,
  cisControl: null,
  accountId,
  user,
  evidence: {},
  message: `${user} (${accountId}) has a console password and no MFA`,
});
const account = (accountId: string, findings: StoredFinding[], newIds = findings.map((f) => f.id)): AccountAnalysis => ({
  accountId,
  accountName: accountId,
  run,
  previousRunId: null,
  rechecked: true,
  users: findings.length,
  keyAges: [],
  findings,
  newIds,
  resolved: [],
  notRechecked: [],
  acceptedBeforeIds: [],
  usedRules: [],
});

describe("owner notices", () => {
  const ownership = new Map([
    ["111111111111", { owners: { to: ["alice@example.com"], source: "file" as const }, ou: "Payments" }],
    ["222222222222", { owners: { to: ["alice@example.com", "bob@example.com"], source: "tag" as const }, ou: "Data" }],
    ["333333333333", { owners: { to: ["carol@example.com"], source: "contact" as const, digest: true } }],
  ]);
  const accounts = [
    account("111111111111", [finding("111111111111", "ann", "high"), finding("111111111111", "low-one", "low")]),
    account("222222222222", [finding("222222222222", "ben", "critical")], []),
    account("333333333333", []),
  ];

  it("tells each owner only of their accounts' critical and high findings, new apart from still open, and a digest owner every run", () => {
    const notices = new OwnerNotices(ownership);
    accounts.forEach((a) => notices.add(a));
    const sent = notices.toSend();
    expect(sent.map((n) => [n.owner, n.accounts, n.freshCount, n.openCount, n.digest])).to.deep.equal([
      ["alice@example.com", ["111111111111", "222222222222"], 1, 1, false],
      // Bob's one finding is known, not new: he hears nothing.
      ["carol@example.com", ["333333333333"], 0, 0, true],
    ]);
    const message = ownerMessage(sent[0], { id: "run-1", reportUrl: "s3://b/report.html" }, DEFAULT_THRESHOLDS);
    expect(message.subject).to.equal("IAM credential report for your accounts: 1 new critical/high");
    expect(message.subject.length).to.be.lessThan(100);
    expect(message.attributes).to.deep.equal({ owner: "alice@example.com", accountId: ["111111111111", "222222222222"], ou: ["Payments", "Data"], severity: ["critical", "high"] });
    expect(message.message).to.include("ann (111111111111)").and.include("ben (222222222222)").and.not.include("low-one");
    expect(message.message).to.include("Fix:");
  });

  it("says every severity an owner has in the severity attribute, not only the listed rows, and names at most 100 accounts", () => {
    const many = Array.from({ length: 130 }, (_, i) => String(500000000000 + i));
    const owned = new Map(many.map((id) => [id, { owners: { to: ["dora@example.com", "DORA@example.com"], source: "file" as const } }]));
    const notices = new OwnerNotices(owned);
    many.forEach((id, i) => notices.add(account(id, [finding(id, "u", i < 40 ? "high" : "critical")])));
    const [notice] = notices.toSend();
    expect(notice.freshCount).to.equal(130);
    expect(notice.fresh.every((f) => f.severity === "high")).to.equal(true);
    const message = ownerMessage(notice, { id: "run-1", reportUrl: "s3://b/r" }, DEFAULT_THRESHOLDS);
    expect(message.attributes.severity).to.deep.equal(["critical", "high"]);
    expect(message.attributes.accountId).to.have.length(100);
    expect(message.message).to.include("and 30 more.");
  });

  it("comes to the same notices when the accounts are gathered in shards and absorbed in order", () => {
    const whole = new OwnerNotices(ownership);
    accounts.forEach((a) => whole.add(a));
    const [first, second] = [new OwnerNotices(ownership), new OwnerNotices(ownership)];
    first.add(accounts[0]);
    accounts.slice(1).forEach((a) => second.add(a));
    const merged = new OwnerNotices(ownership);
    merged.absorb(JSON.parse(JSON.stringify(first.state())));
    merged.absorb(JSON.parse(JSON.stringify(second.state())));
    expect(merged.toSend()).to.deep.equal(whole.toSend());
  });
});
