import { expect } from "chai";
import type { AcceptedRisk } from "../../../functions/analysis/accepted-risks";
import { analyzeReports, type ReportsAnalysis } from "../../helpers/analyze-reports";
import { CREDENTIAL_REPORT_COLUMNS } from "../../../functions/analysis/credential-report";
import { expectSameAnswers } from "../../helpers/equivalence";
import type { IamAccount } from "../../../functions/analysis/iam-account";
import { iamAsReported } from "../../helpers/iam-as-reported";
import { analysisFiles, analyzeRun } from "../../helpers/reference-analysis";

const ACCOUNTS = 2000;
const DAY_1 = new Date("2026-11-25T08:00:00.000Z");
const DAY_2 = new Date("2026-11-26T08:00:00.000Z");
const id = (i: number) => String(100000000000 + i);
const date = (now: Date, days: number) => new Date(now.getTime() - days * 86_400_000).toISOString().replace(".000Z", "+00:00");

/** A report in IAM's format whose users differ by account (and, for some, by day): every check somewhere. */
function report(i: number, now: Date, fixed: boolean): string {
  const a = id(i);
  const rows = [CREDENTIAL_REPORT_COLUMNS.join(",")];
  const rootMfa = i % 7 !== 0;
  const rootKey = i % 11 === 0 ? `true,${date(now, 900)},${date(now, i % 40)},us-east-1,s3` : "false,N/A,N/A,N/A,N/A";
  rows.push(`<root_account>,arn:aws:iam::${a}:root,${date(now, 2000)},not_supported,${date(now, (i % 50) + 1)},not_supported,not_supported,${rootMfa},${rootKey},false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`);
  for (let u = 0; u < 6 + (i % 5); u++) {
    const age = (u * 37 + i) % 400;
    const mfa = fixed && u === 1 ? true : (u + i) % 3 !== 0;
    const console = u % 2 === 0 || u === 1;
    const key2 = (u + i) % 4 === 0 ? `true,${date(now, age / 2)},${date(now, 3)},eu-west-1,sts` : "false,N/A,N/A,N/A,N/A";
    const name = u === 0 && i % 13 === 0 ? "breakglass" : `user-${u}`;
    rows.push(
      `${name},arn:aws:iam::${a}:user/${name},${date(now, age + 10)},${console},${console ? date(now, (u * 9 + i) % 70) : "N/A"},${console ? date(now, age) : "N/A"},N/A,${mfa},` +
        `true,${date(now, age)},${u % 5 === 0 ? "N/A" : date(now, (u * 7 + i) % 60)},us-east-1,s3,${key2},false,N/A,false,N/A`,
    );
  }
  return `${rows.join("\n")}\n`;
}

const RULES: AcceptedRisk[] = [
  { kind: "break-glass", account: "*", user: "breakglass", reason: "emergency access", owner: "security@example.com", expires: "2099-12-31" },
  { check: "both-keys-active", account: "*", user: "user-2", reason: "rotation", owner: "platform@example.com", expires: "2099-12-31" },
  // Ends between the two runs: its findings are open again on day 2.
  { check: "access-key-old", account: id(5), user: "*", reason: "vendor key", owner: "platform@example.com", expires: "2026-11-25" },
  { check: "console-without-mfa", account: "*", user: "nobody", reason: "matches nothing", owner: "o@example.com", expires: "2099-12-31" },
];

/** IAM's answers beside each report: as its root row says, and some accounts with a weak or no password policy. */
function iamOf(i: number, csv: string | { readonly readError: string }): IamAccount | undefined {
  const iam = iamAsReported(id(i), csv);
  if (!iam) return undefined;
  return i % 23 === 0 ? { ...iam, passwordPolicy: i % 2 === 0 ? null : { minimumLength: 8, reusePrevention: 5 } } : iam;
}

// Accounts that leave the organization (or the scope) after day 1: not listed on day 2 at all.
const leaves = (i: number) => i % 89 === 1;

/**
 * Day 1: every report read, but two malformed and one not readable. Day 2: some accounts fail,
 * some have left, some users are fixed, the rest as they were.
 */
function reportsOf(day: 1 | 2) {
  const now = day === 1 ? DAY_1 : DAY_2;
  return Array.from({ length: ACCOUNTS }, (_, i) => i).filter((i) => day === 1 || !leaves(i)).map((i) => {
    const failing = day === 1 ? i === 3 : i % 97 === 0;
    const malformed = day === 1 && (i === 8 || i === 9);
    const csv = failing ? { readError: "AccessDenied: not readable" } : malformed ? "not,a,report\n1,2,3\n" : report(i, now, day === 2 && i % 5 === 0);
    return { i, csv, generatedAt: new Date(now.getTime() - ((i % 30) + 1) * 3_600_000) };
  });
}

// The streaming path (each account analysed apart, then combined) against today's analysis, on a
// generated organization of 2,000 accounts: failures, accounts not re-checked, accepted risks
// (one expiring between the runs, one matching nothing) and break-glass users, over two runs.
describe("analysis equivalence: the streaming path gives today's findings, changes and CSV", function () {
  this.timeout(120_000);

  it("over two runs of 2,000 accounts", async () => {
    const reference = [] as ReturnType<typeof analysisFiles>[];
    const streamed: ReportsAnalysis[] = [];
    for (const day of [1, 2] as const) {
      const run = { id: `run-${day}`, startedAt: (day === 1 ? DAY_1 : DAY_2).toISOString() };
      const reports = reportsOf(day);
      const before = reference.at(-1);
      const old = analyzeRun({
        runId: run.id,
        runStartedAt: new Date(run.startedAt),
        reports: reports.map(({ i, csv, generatedAt }) => ({ accountId: id(i), accountName: `account-${i}`, csv, generatedAt, iam: iamOf(i, csv) })),
        previous: before && { runId: "run-1", findings: JSON.parse(before.findings.body).findings, notRechecked: JSON.parse(before.changes.body).notRechecked },
        acceptedRisks: RULES,
      });
      reference.push(analysisFiles(run, old));
      const earlier = streamed.at(-1);
      streamed.push(
        await analyzeReports({
          run,
          reports: reports.map(({ i, csv, generatedAt }) => ({ id: id(i), name: `account-${i}`, csv, generatedAt, iam: iamOf(i, csv) })),
          known: (accountId) => {
            const account = earlier?.accounts.find((a) => a.accountId === accountId);
            return account && { runId: account.run.id, accountName: account.accountName, findings: account.findings, notRechecked: account.notRechecked };
          },
          previousAccountIds: earlier?.accounts.map((a) => a.accountId),
          acceptedRisks: RULES,
        }),
      );
      const files = streamed.at(-1)!.files;
      const ref = reference.at(-1)!;
      expectSameAnswers(
        { findings: files.findings!, changes: files.changes!, users: files.users! },
        { findings: ref.findings.body, changes: ref.changes.body, users: ref.users.body },
        `run ${day}`,
      );
    }
    // The runs hold what they are meant to: many findings, changes both ways, carried and accepted ones.
    const [first, second] = streamed;
    expect(first.findings).to.be.greaterThan(10_000);
    expect(second.overview.changes.new).to.be.greaterThan(0);
    expect(second.overview.changes.resolved).to.be.greaterThan(0);
    expect(second.overview.notRechecked.findings).to.be.greaterThan(0);
    // Those of accounts that left are carried too, never resolved.
    const carried = JSON.parse(second.files.changes!).notRechecked as { accountId: string }[];
    expect(carried.some((f) => f.accountId === id(1) && leaves(1))).to.equal(true);
    expect(first.overview.acceptedRisks.findings).to.be.greaterThan(0);
    expect(second.overview.rules.expired).to.have.length(1);
    expect(second.overview.rules.stale.map((r) => r.user)).to.include("nobody");
    expect(first.overview.unreadableReports).to.have.length(3);
    expect(first.overview.byCheck["root-mfa-off"]).to.be.greaterThan(0);
    expect(first.overview.byCheck["password-policy-short"]).to.be.greaterThan(0);
  });
});
