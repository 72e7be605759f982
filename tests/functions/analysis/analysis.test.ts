import { humanAge } from "../../../functions/analysis/ages";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import type { FindingChanges } from "../../../functions/analysis/changes";
import { analyzeReports, type ReportsAnalysis, type ReportToAnalyse } from "../../helpers/analyze-reports";
import { MalformedReport, parseCredentialReport } from "../../../functions/analysis/credential-report";
import { DEFAULT_THRESHOLDS, type Finding, passwordPolicyFindings, reportStaleFinding, userFindings } from "../../../functions/analysis/findings";
import { spreadsheetCsv } from "../../../functions/org-report/users-csv";
import { escapeHtml } from "../../../functions/org-report/html-report";
import { MAX_CHART_ACCOUNTS, MAX_ROWS_PER_CHECK } from "../../../functions/org-report/page-model";
import { thresholdsEnv, thresholdsFromEnv } from "../../../functions/analysis/thresholds";
import { analyzeAccount } from "../../../functions/analysis/account-analysis";
import type { IamAccount } from "../../../functions/analysis/iam-account";
import { CIS_POLICY, iamAsReported } from "../../helpers/iam-as-reported";

const FIXTURES = join(__dirname, "../../fixtures/credential-reports");
const fixture = (name: string) => readFileSync(join(FIXTURES, name), "utf8");
const NOW = new Date("2026-11-25T08:00:00Z");
const workloads = () => parseCredentialReport("111111111111", fixture("workloads-111111111111.csv"));
const sandbox = () => parseCredentialReport("222222222222", fixture("sandbox-222222222222.csv"));
const idsOf = (findings: readonly Finding[]) => findings.map((f) => f.id).sort();
// What IAM says of the fixtures' accounts: their root rows, a password, CIS's password policy.
const WORKLOADS_IAM = iamAsReported("111111111111", fixture("workloads-111111111111.csv"))!;
const SANDBOX_IAM = iamAsReported("222222222222", fixture("sandbox-222222222222.csv"))!;
/**
 * The sandbox's report with a root row as IAM writes one that shows no credential: no password
 * ever used (no_information), no key (N/A), no MFA. A password may still be there, never used.
 */
const silentRoot = () =>
  fixture("sandbox-222222222222.csv").replace(
    /^<root_account>,.*$/m,
    "<root_account>,arn:aws:iam::222222222222:root,2021-06-01T10:00:00+00:00,not_supported,no_information,not_supported,not_supported,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
  );

describe("credential report parsing", () => {
  it("types every field: dates, booleans, absent values with their reason, and the root row", () => {
    const report = workloads();
    expect(report.users.map((u) => u.user)).to.deep.equal(["<root_account>", "alice", "bob", "carol", "dave", "ci,deploy=bot", "erin", "frank"]);
    const [root, alice] = report.users;
    expect(root.isRoot).to.equal(true);
    expect(root.passwordEnabled).to.deep.equal({ present: false, reason: "not_supported" });
    expect(root.accessKeys[0].lastUsed).to.deep.equal({ present: true, value: new Date("2026-11-22T08:00:00Z") });
    expect(alice.isRoot).to.equal(false);
    expect(alice.passwordEnabled).to.deep.equal({ present: true, value: true });
    expect(alice.accessKeys[1]).to.deep.include({ slot: 2, active: false, lastRotated: { present: false, reason: "N/A" } });
    expect(report.users[6].passwordLastUsed).to.deep.equal({ present: false, reason: "no_information" });
    expect(sandbox().users[0].passwordEnabled).to.deep.equal({ present: true, value: false });
  });

  it("reads a quoted user name with a comma, and repairs one a writer left unquoted", () => {
    expect(workloads().users[5]).to.deep.include({ user: "ci,deploy=bot", arn: "arn:aws:iam::111111111111:user/ci,deploy=bot" });
    const header = fixture("sandbox-222222222222.csv").split("\n")[0];
    const unquoted = `${header}\nrotation,two-keys,arn:aws:iam::222222222222:user/rotation,two-keys,2026-11-01T10:00:00+00:00,false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n`;
    expect(parseCredentialReport("222222222222", unquoted).users[0]).to.deep.include({
      user: "rotation,two-keys",
      arn: "arn:aws:iam::222222222222:user/rotation,two-keys",
    });
  });

  it("reads every name and path IAM allows, quoted by the writer or not, and a column added between user and arn", () => {
    // IAM's rules: a user name is 1-64 of [A-Za-z0-9+=,.@_-]; a path is / or /.../ of printable ASCII (! to ~).
    const NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+=,.@_-";
    const PATH_CHARS = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join("");
    // xorshift32, seeded: the same corpus on every run.
    let seed = 20261206;
    const random = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const text = (chars: string, min: number, max: number) => Array.from({ length: min + random(max - min + 1) }, () => chars[random(chars.length)]).join("");
    const users = Array.from({ length: 400 }, (_, i) => {
      const name = i < NAME_CHARS.length ? NAME_CHARS[i].repeat(1 + (i % 3)) : text(NAME_CHARS, 1, 64);
      const path = i % 5 === 0 ? "/" : `/${text(PATH_CHARS, 1, 40)}/`;
      return { name, arn: `arn:aws:iam::222222222222:user${path}${name}` };
    });
    const [header, , template] = fixture("sandbox-222222222222.csv").split("\n");
    const rest = template.split(",").slice(2);
    const quoted = stringify([header.split(","), ...users.map((u) => [u.name, u.arn, ...rest])]);
    const unquoted = [header, ...users.map((u) => [u.name, u.arn, ...rest].join(","))].join("\n");
    const withColumnBetween = [header.replace("user,arn", "user,passkey_count,arn"), ...users.map((u) => [u.name, "2", u.arn, ...rest].join(","))].join("\r\n");

    for (const [writer, csv] of Object.entries({ quoted, unquoted, withColumnBetween })) {
      const report = parseCredentialReport("222222222222", csv);
      expect(report.users.map((u) => [u.user, u.arn]), writer).to.deep.equal(users.map((u) => [u.name, u.arn]));
      expect(report.users.filter((u) => u.raw.user_creation_time !== rest[0] || u.accessKeys[1].active).map((u) => u.raw), writer).to.deep.equal([]);
    }
    expect(users.some((u) => u.arn.includes('"')) && users.some((u) => /\/.*,.*\//.test(u.arn)) && users.some((u) => u.name.includes(","))).to.equal(true);
  });

  it("names the line of a row that still cannot be read", () => {
    const [header, root, reader] = fixture("sandbox-222222222222.csv").split("\n");
    const cases = [reader.replace(",N/A,false,N/A", ""), reader.replace("user/reader", "user/writer"), reader.replace("arn:aws:iam", "urn:aws:iam")];
    for (const bad of cases) {
      expect(() => parseCredentialReport("222222222222", [header, root, bad].join("\n")), bad).to.throw(
        "MalformedReport: the report of account 222222222222 is not a readable credential report: line 3 is not a row of 22 fields with a user and its ARN",
      );
    }
  });

  it("finds columns by name, so a column AWS adds later (anywhere) changes nothing", () => {
    const lines = fixture("sandbox-222222222222.csv").trim().split("\n");
    const widened = lines.map((line, i) => line.replace(",", i === 0 ? ",passkey_count," : ",3,")).join("\n");
    const report = parseCredentialReport("222222222222", widened);
    expect(report.columns[1]).to.equal("passkey_count");
    expect(report.users.map((u) => [u.user, u.arn, u.mfaActive])).to.deep.equal(
      sandbox().users.map((u) => [u.user, u.arn, u.mfaActive]),
    );
  });

  it("fails with a clear error naming the account when the object is not a credential report", () => {
    expect(() => parseCredentialReport("333333333333", fixture("not-a-report.csv")))
      .to.throw(MalformedReport)
      .with.property("message")
      .that.matches(/^MalformedReport: the report of account 333333333333 is not a readable credential report: missing columns user, arn, /);
    const badDate = fixture("sandbox-222222222222.csv").replace("2026-11-20T10:00:00+00:00", "yesterday");
    expect(() => parseCredentialReport("222222222222", badDate)).to.throw(
      'MalformedReport: the report of account 222222222222 is not a readable credential report: line 3, user_creation_time is "yesterday", not a date',
    );
    expect(() => parseCredentialReport("444444444444", "")).to.throw(/account 444444444444 .*missing columns user, arn/);
  });
});

describe("findings", () => {
  it("finds exactly what the fixture holds, each rule at its boundary", () => {
    expect(idsOf(userFindings(workloads(), NOW, DEFAULT_THRESHOLDS, WORKLOADS_IAM))).to.deep.equal(
      [
        "111111111111/<root_account>/root-mfa-off",
        // No MFA at all: no hardware MFA either (CIS 1.6).
        "111111111111/<root_account>/root-hardware-mfa-off",
        "111111111111/<root_account>/root-access-key-active/access_key_1",
        "111111111111/<root_account>/root-recently-used",
        "111111111111/alice/console-without-mfa",
        // access keys aged 89 (alice) and 90 days (bob, key 1) are fine; 91 days is not.
        "111111111111/bob/access-key-old/access_key_2",
        "111111111111/bob/both-keys-active",
        // a password unused for exactly 45 days counts; carol's key, never used in 44 days, does not.
        "111111111111/carol/credential-unused/password",
        "111111111111/dave/credential-unused/password",
        "111111111111/dave/credential-unused/access_key_1",
        "111111111111/dave/key-created-with-user-unused/access_key_1",
        "111111111111/erin/credential-unused/password",
        // frank, a service user without a console password, has a key made with him and never used:
        // CIS 1.11 is only for users with a console password.
      ].sort(),
    );
    expect(userFindings(sandbox(), NOW, DEFAULT_THRESHOLDS, SANDBOX_IAM)).to.deep.equal([]);
  });

  it("reads booleans in any letter case, as AWS's documentation prints them (TRUE, FALSE)", () => {
    const shouting = fixture("workloads-111111111111.csv").replace(/,true(?=,)/g, ",TRUE").replace(/,false(?=,)/g, ",FALSE");
    expect(shouting).to.contain(",TRUE,");

    const report = parseCredentialReport("111111111111", shouting);

    expect(idsOf(userFindings(report, NOW))).to.deep.equal(idsOf(userFindings(workloads(), NOW)));
  });

  it("gives each finding its severity, CIS control, evidence and a one-line message", () => {
    const findings = userFindings(workloads(), NOW, DEFAULT_THRESHOLDS, WORKLOADS_IAM);
    const byId = (id: string) => findings.find((f) => f.id === id) as Finding;
    expect(byId("111111111111/bob/access-key-old/access_key_2")).to.deep.equal({
      id: "111111111111/bob/access-key-old/access_key_2",
      checkId: "access-key-old",
      severity: "medium",
      cisControl: "1.14",
      accountId: "111111111111",
      user: "bob",
      credential: "access_key_2",
      evidence: {
        access_key_2_active: "true",
        access_key_2_last_rotated: "2026-08-26T08:00:00+00:00",
        access_key_2_last_used_date: "2026-11-24T06:00:00+00:00",
        age_days: "91",
      },
      message: "bob (111111111111) has an active access key (access_key_2) 91 days old",
    });
    expect(byId("111111111111/<root_account>/root-mfa-off")).to.deep.include({
      severity: "critical",
      cisControl: "1.5",
      evidence: { mfa_active: "false", account_mfa_enabled: "0", account_password_present: "1", account_access_keys_present: "1" },
      message: "The root user of 111111111111 has credentials and no MFA",
    });
    expect(byId("111111111111/carol/credential-unused/password").message).to.equal("carol (111111111111) has a console password unused for 45 days");
    expect(byId("111111111111/dave/credential-unused/access_key_1").message).to.equal(
      "dave (111111111111) has an active access key (access_key_1) never used for 84 days",
    );
    for (const f of findings) expect(f.message).to.not.include("\n");
  });

  it("dates root's use by its latest credential, not its first", () => {
    const recent = userFindings(workloads(), NOW).find((f) => f.checkId === "root-recently-used") as Finding;
    // The password was last used 40 days ago, outside the 30-day window; the key 3 days ago.
    expect(recent.message).to.equal("The root user of 111111111111 was used 3 days ago (access_key_1_last_used_date)");
    expect(recent.evidence.days_since_last_use).to.equal("3");
  });

  it("counts every day threshold in whole days: 90 days and 23 hours is 90 days, within the limit", () => {
    const HOUR = 3_600_000;
    // bob's key 1 was rotated 90 days before NOW; alice's 89; root's key was used 3 days before.
    const at = (hours: number) => idsOf(userFindings(workloads(), new Date(NOW.getTime() + hours * HOUR)));
    expect(at(23)).to.not.include("111111111111/bob/access-key-old/access_key_1");
    expect(at(24)).to.include("111111111111/bob/access-key-old/access_key_1");
    const rootWindow = (hours: number) => idsOf(userFindings(workloads(), new Date(NOW.getTime() + hours * HOUR), { ...DEFAULT_THRESHOLDS, rootUseWindowDays: 3 }));
    expect(rootWindow(23)).to.include("111111111111/<root_account>/root-recently-used");
    expect(rootWindow(24)).to.not.include("111111111111/<root_account>/root-recently-used");
  });

  it("moves with the clock and the thresholds", () => {
    const dayLater = new Date(NOW.getTime() + 86_400_000);
    const later = idsOf(userFindings(workloads(), dayLater));
    expect(later).to.include("111111111111/bob/access-key-old/access_key_1");
    const strict = idsOf(userFindings(workloads(), NOW, { ...DEFAULT_THRESHOLDS, maxKeyAgeDays: 88, unusedDays: 44 }));
    expect(strict).to.include.members(["111111111111/alice/access-key-old/access_key_1", "111111111111/carol/credential-unused/access_key_1"]);
  });

  it("says ages in the unit a person reads, the exact number kept in the evidence", () => {
    const HOUR = 3_600_000;
    expect([26 * HOUR, 47 * HOUR, 48 * HOUR, 3 * 24 * HOUR, 364 * 24 * HOUR, 365 * 24 * HOUR, 103_537 * HOUR].map(humanAge)).to.deep.equal([
      "26 hours",
      "47 hours",
      "2 days",
      "3 days",
      "364 days",
      "1 year",
      "11 years",
    ]);
    // The emulator's 2015 report, as the demo shows it.
    const stale = reportStaleFinding("111111111111", new Date("2015-02-02T00:00:00Z"), new Date("2026-11-25T08:00:00Z"))!;
    expect(stale.message).to.equal("The credential report of 111111111111 was generated 11 years before the run");
    expect(stale.evidence.age_hours).to.equal("103544");
  });

  it("reports a report generated too long before the run", () => {
    const runStart = new Date("2026-11-25T08:00:00Z");
    expect(reportStaleFinding("111111111111", new Date("2026-11-24T08:00:00Z"), runStart)).to.equal(undefined);
    expect(reportStaleFinding("111111111111", undefined, runStart)).to.equal(undefined);
    expect(reportStaleFinding("111111111111", new Date("2026-11-24T07:59:00Z"), runStart)).to.deep.include({
      id: "111111111111/report-stale",
      severity: "medium",
      message: "The credential report of 111111111111 was generated 24 hours before the run",
    });
  });
});

describe("findings from IAM's answers beside the report", () => {
  const root = (mfaEnabled: boolean, passwordPresent = true, accessKeysPresent = false): IamAccount => ({
    root: { passwordPresent, accessKeysPresent, mfaEnabled },
    rootVirtualMfa: false,
    passwordPolicy: CIS_POLICY,
    refused: [],
  });
  const checksOf = (findings: readonly Finding[], user = "<root_account>") => findings.filter((f) => f.user === user).map((f) => f.checkId).sort();
  const noMfaRoot = () => parseCredentialReport("222222222222", silentRoot());

  it("leaves a root user without a password or keys alone, MFA or not (centralized root access), as IAM.9 and IAM.6 do", () => {
    expect(noMfaRoot().users[0].mfaActive).to.equal(false);
    expect(checksOf(userFindings(noMfaRoot(), NOW, DEFAULT_THRESHOLDS, root(false, false, false)))).to.deep.equal([]);
    // No MFA at all is no hardware MFA either: CIS 1.6's audit fails AccountMFAEnabled 0 first, as IAM.6 and Prowler do.
    expect(checksOf(userFindings(noMfaRoot(), NOW, DEFAULT_THRESHOLDS, root(false, true, false)))).to.deep.equal(["root-hardware-mfa-off", "root-mfa-off"]);
    expect(checksOf(userFindings(noMfaRoot(), NOW, DEFAULT_THRESHOLDS, root(false, false, true)))).to.deep.equal(["root-access-key-active", "root-hardware-mfa-off", "root-mfa-off"]);
    // Without IAM's answer this root row shows no credential (never used, no key): it cannot tell (analyzeAccount names it not evaluated).
    expect(checksOf(userFindings(noMfaRoot(), NOW))).to.deep.equal([]);
  });

  it("says why the hardware check fails when there is no MFA at all, with IAM's own counts as evidence", () => {
    const [hardware] = userFindings(noMfaRoot(), NOW, DEFAULT_THRESHOLDS, root(false, true, false)).filter((f) => f.checkId === "root-hardware-mfa-off");
    expect(hardware).to.deep.include({ id: "222222222222/<root_account>/root-hardware-mfa-off", severity: "high", cisControl: "1.6", message: "The root user of 222222222222 has no MFA device at all, so no hardware one" });
    expect(hardware.evidence).to.deep.equal({ mfa_active: "false", account_mfa_enabled: "0", account_password_present: "1", account_access_keys_present: "0" });
  });

  it("finds a root access key that IAM's account summary reports and the report does not show yet (CIS 1.4's own audit)", () => {
    // The sandbox's root row has no key (access_key_1_active false, last_rotated N/A); the summary says one is there.
    const found = userFindings(sandbox(), NOW, DEFAULT_THRESHOLDS, root(true, true, true)).filter((f) => f.checkId === "root-access-key-active");
    expect(found.map((f) => [f.id, f.severity, f.message])).to.deep.equal([
      ["222222222222/<root_account>/root-access-key-active/access_key_1", "critical", "The root user of 222222222222 has an access key, which IAM's account summary reports and this report does not show yet"],
    ]);
    expect(found[0].evidence).to.deep.equal({ access_key_1_active: "false", access_key_2_active: "false", account_access_keys_present: "1" });
    // Where the report shows the key, that finding names it, and the summary adds none.
    const shown = userFindings(workloads(), NOW, DEFAULT_THRESHOLDS, root(true, true, true)).filter((f) => f.checkId === "root-access-key-active");
    expect(shown.map((f) => f.id)).to.deep.equal(["111111111111/<root_account>/root-access-key-active/access_key_1"]);
  });

  it("decides the root's MFA from the report's root row where it decides, without IAM's answers (CIS 1.5's audit)", () => {
    const rootRow = (fields: { passwordLastUsed?: string; mfa?: boolean; key?: boolean }) =>
      parseCredentialReport(
        "222222222222",
        fixture("sandbox-222222222222.csv").replace(
          /^<root_account>,.*$/m,
          `<root_account>,arn:aws:iam::222222222222:root,2019-05-01T10:00:00+00:00,not_supported,${fields.passwordLastUsed ?? "no_information"},not_supported,not_supported,${fields.mfa ?? false},` +
            `${fields.key ?? false},${fields.key ? "2024-01-01T00:00:00+00:00" : "N/A"},N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`,
        ),
      );
    // A password used three days ago and no MFA: both fail, from the row alone.
    const used = userFindings(rootRow({ passwordLastUsed: "2026-11-22T08:00:00+00:00" }), NOW).filter((f) => f.user === "<root_account>");
    expect(used.map((f) => f.checkId).sort()).to.deep.equal(["root-hardware-mfa-off", "root-mfa-off", "root-recently-used"]);
    expect(used.find((f) => f.checkId === "root-mfa-off")!.evidence).to.deep.include({ mfa_active: "false", password_last_used: "2026-11-22T08:00:00+00:00" });
    // A key never used shows a credential too.
    expect(checksOf(userFindings(rootRow({ key: true }), NOW))).to.deep.equal(["root-access-key-active", "root-hardware-mfa-off", "root-mfa-off"]);
    const analyse = (report: string) =>
      analyzeAccount({ account: { id: "222222222222", name: "sandbox" }, run: { id: "r", startedAt: NOW.toISOString() }, csv: report, thresholds: DEFAULT_THRESHOLDS, acceptedRisks: [] }).notEvaluated?.checks;
    const csvOf = (fields: Parameters<typeof rootRow>[0]) => stringifyReport(rootRow(fields));
    // What the row decides is evaluated; what only IAM's answers tell stays not evaluated.
    expect(analyse(csvOf({ passwordLastUsed: "2026-11-22T08:00:00+00:00" }))).to.deep.equal(["password-policy-short", "password-policy-reuse"]);
    expect(analyse(csvOf({ mfa: true }))).to.deep.equal(["root-hardware-mfa-off", "password-policy-short", "password-policy-reuse"]);
    expect(analyse(csvOf({}))).to.deep.equal(["root-mfa-off", "root-hardware-mfa-off", "password-policy-short", "password-policy-reuse"]);
    expect(checksOf(userFindings(rootRow({ mfa: true }), NOW))).to.deep.equal([]);
  });

  it("finds a root whose MFA device is virtual, when it has credentials (CIS 1.6, IAM.6)", () => {
    const virtual = { ...root(true), rootVirtualMfa: true };
    const found = userFindings(sandbox(), NOW, DEFAULT_THRESHOLDS, virtual);
    expect(found.map((f) => [f.checkId, f.severity, f.cisControl, f.message])).to.deep.equal([
      ["root-hardware-mfa-off", "high", "1.6", "The root user of 222222222222 has a virtual MFA device, not a hardware one"],
    ]);
    expect(found[0].evidence).to.deep.include({ root_virtual_mfa: "true", account_mfa_enabled: "1" });
    expect(userFindings(sandbox(), NOW, DEFAULT_THRESHOLDS, { ...virtual, root: { ...virtual.root!, passwordPresent: false } })).to.deep.equal([]);
    expect(userFindings(sandbox(), NOW, DEFAULT_THRESHOLDS, root(true))).to.deep.equal([]);
  });

  it("finds every root access key, inactive ones too (CIS 1.4 counts any key)", () => {
    const inactive = fixture("workloads-111111111111.csv").replace(/^(<root_account>,(?:[^,]*,){7})true,/m, "$1false,");
    const report = parseCredentialReport("111111111111", inactive);
    const keyFindings = userFindings(report, NOW, DEFAULT_THRESHOLDS, root(true, true, true)).filter((f) => f.checkId === "root-access-key-active");
    expect(keyFindings.map((f) => [f.id, f.message, f.evidence.access_key_1_active, f.evidence.account_access_keys_present])).to.deep.equal([
      ["111111111111/<root_account>/root-access-key-active/access_key_1", "The root user of 111111111111 has an inactive access key (access_key_1)", "false", "1"],
    ]);
  });

  it("holds the password policy to CIS 1.8 and 1.9 (length 14, 24 remembered); none fails both", () => {
    const policy = (minimumLength: number, reusePrevention: number | null): IamAccount => ({ ...root(true), passwordPolicy: { minimumLength, reusePrevention } });
    const checks = (iam: IamAccount, t = DEFAULT_THRESHOLDS) => passwordPolicyFindings("111111111111", iam, t).map((f) => f.checkId);
    expect(checks(policy(14, 24))).to.deep.equal([]);
    expect(checks(policy(13, 24))).to.deep.equal(["password-policy-short"]);
    expect(checks(policy(14, 23))).to.deep.equal(["password-policy-reuse"]);
    expect(checks(policy(14, null))).to.deep.equal(["password-policy-reuse"]);
    expect(checks({ ...root(true), passwordPolicy: null })).to.deep.equal(["password-policy-short", "password-policy-reuse"]);
    expect(checks(policy(8, 5), { ...DEFAULT_THRESHOLDS, minPasswordLength: 8, passwordReusePrevention: 5 })).to.deep.equal([]);
    const [short, reuse] = passwordPolicyFindings("111111111111", policy(8, 5));
    expect(short).to.deep.include({
      id: "111111111111/password-policy-short",
      severity: "medium",
      cisControl: "1.8",
      user: "",
      evidence: { minimum_password_length: "8", password_reuse_prevention: "5" },
      message: "111111111111 allows passwords of 8 characters (at least 14 wanted)",
    });
    expect(reuse).to.deep.include({ id: "111111111111/password-policy-reuse", severity: "low", cisControl: "1.9", message: "111111111111 remembers only 5 earlier password(s) (24 wanted)" });
    // Refused: not evaluated, no finding either way.
    expect(checks({ ...root(true), passwordPolicy: undefined, refused: ["iam:GetAccountPasswordPolicy: AccessDenied"] })).to.deep.equal([]);
  });

  it("reports every user without MFA when asked (IAM.19), leaving console users to console-without-mfa", () => {
    const on = { ...DEFAULT_THRESHOLDS, mfaForEveryUser: true };
    const everyUser = userFindings(workloads(), NOW, on, WORKLOADS_IAM).filter((f) => f.checkId === "user-without-mfa");
    // bob, the CI bot and frank have keys and no password; alice (console, no MFA) is console-without-mfa's.
    expect(everyUser.map((f) => [f.id, f.severity, f.message])).to.deep.equal([
      ["111111111111/bob/user-without-mfa", "low", "bob (111111111111) has no MFA"],
      ["111111111111/ci,deploy=bot/user-without-mfa", "low", "ci,deploy=bot (111111111111) has no MFA"],
      ["111111111111/frank/user-without-mfa", "low", "frank (111111111111) has no MFA"],
    ]);
    expect(userFindings(workloads(), NOW, DEFAULT_THRESHOLDS, WORKLOADS_IAM).filter((f) => f.checkId === "user-without-mfa")).to.deep.equal([]);
  });

  it("names the checks IAM's answers left undecided, and carries their known findings instead of resolving them", () => {
    const run = (id: string) => ({ id, startedAt: NOW.toISOString() });
    // This root row shows no credential: only IAM's answers decide its MFA checks.
    const csv = silentRoot();
    const analyse = (id: string, iam: IamAccount | undefined, known?: ReturnType<typeof analyzeAccount>) =>
      analyzeAccount({
        account: { id: "222222222222", name: "sandbox" },
        run: run(id),
        csv,
        ...(iam ? { iam } : {}),
        known: known && { runId: known.run.id, findings: known.findings, notRechecked: known.notRechecked },
        thresholds: DEFAULT_THRESHOLDS,
        acceptedRisks: [],
      });
    const first = analyse("run-1", { ...root(false, true, false), passwordPolicy: null });
    const refused: IamAccount = { passwordPolicy: null, refused: ["iam:GetAccountSummary: AccessDenied", "iam:ListVirtualMFADevices: AccessDenied"] };
    const second = analyse("run-2", refused, first);

    expect(first.notEvaluated).to.equal(undefined);
    expect(second.notEvaluated).to.deep.equal({
      checks: ["root-mfa-off", "root-hardware-mfa-off"],
      reason: "iam:GetAccountSummary: AccessDenied; iam:ListVirtualMFADevices: AccessDenied",
    });
    expect(second.findings.map((f) => f.checkId)).to.not.include("root-mfa-off");
    expect(second.resolved).to.deep.equal([]);
    expect(second.notRechecked.map((f) => [f.id, f.lastSeenRunId])).to.deep.equal([
      ["222222222222/<root_account>/root-mfa-off", "run-1"],
      ["222222222222/<root_account>/root-hardware-mfa-off", "run-1"],
    ]);
    // The password policy was read: its findings stand.
    expect(second.findings.map((f) => f.checkId)).to.include.members(["password-policy-short", "password-policy-reuse"]);
    // Nothing read beside the report (a folder of reports from elsewhere): all four undecided.
    expect(analyse("run-3", undefined).notEvaluated).to.deep.equal({
      checks: ["root-mfa-off", "root-hardware-mfa-off", "password-policy-short", "password-policy-reuse"],
      reason: "IAM's answers beside the report were not there",
    });
    // The workloads root row shows a password used and a key, and no MFA: the row decides without IAM.
    const workloadsAlone = analyzeAccount({ account: { id: "111111111111", name: "workloads" }, run: run("run-4"), csv: fixture("workloads-111111111111.csv"), thresholds: DEFAULT_THRESHOLDS, acceptedRisks: [] });
    expect(workloadsAlone.notEvaluated?.checks).to.deep.equal(["password-policy-short", "password-policy-reuse"]);
    expect(workloadsAlone.findings.map((f) => f.checkId)).to.include.members(["root-mfa-off", "root-hardware-mfa-off"]);
  });
});

/** A parsed report written back as IAM writes it: the rows' values exactly as they were read. */
function stringifyReport(report: ReturnType<typeof parseCredentialReport>): string {
  const columns = Object.keys(report.users[0].raw);
  return stringify([columns, ...report.users.map((u) => columns.map((c) => u.raw[c]))]);
}

describe("run summary, changes and the organization CSV", () => {
  const run = (id: string) => ({ id, startedAt: NOW.toISOString() });
  const analyse = (id: string, reports: ReportToAnalyse[], before?: ReportsAnalysis) =>
    analyzeReports({
      run: run(id),
      reports,
      known: (accountId) => {
        const account = before?.accounts.find((a) => a.accountId === accountId);
        return account && { runId: account.run.id, findings: account.findings, notRechecked: account.notRechecked };
      },
    });
  const changesOf = (analysis: ReportsAnalysis) => JSON.parse(analysis.files.changes!) as FindingChanges;
  const ids = (findings: readonly { id: string }[]) => findings.map((f) => f.id).sort();
  const account = (id: string, csv: ReportToAnalyse["csv"], name = "") => ({ id, name, csv, iam: iamAsReported(id, csv) });

  it("counts findings by severity, check and account, accounts without findings included", async () => {
    const { overview } = await analyse("r1", [
      account("111111111111", fixture("workloads-111111111111.csv")),
      account("222222222222", fixture("sandbox-222222222222.csv")),
      account("333333333333", { readError: "x" }),
    ]);
    expect(overview.totals).to.deep.equal({ accounts: 2, users: 10, findings: 12 });
    expect(overview.bySeverity).to.deep.equal({ critical: 2, high: 3, medium: 5, low: 2 });
    expect(overview.byCheck["credential-unused"]).to.equal(4);
    expect(overview.byCheck["report-stale"]).to.equal(0);
    expect(overview.byAccount["222222222222"]).to.deep.equal({ critical: 0, high: 0, medium: 0, low: 0 });
    expect(overview.unreadableReports).to.deep.equal([{ accountId: "333333333333", error: "x" }]);
  });

  it("tells new findings from resolved ones between two runs", async () => {
    const first = await analyse("run-1", [account("111111111111", fixture("workloads-111111111111.csv"))]);
    // Next day: alice enabled MFA, and frank appeared with a console password and no MFA.
    const nextCsv = fixture("workloads-111111111111.csv")
      .replace(/^(alice,.*?,N\/A,)false,/m, "$1true,")
      .concat("frank,arn:aws:iam::111111111111:user/frank,2026-11-25T07:00:00+00:00,true,N/A,2026-11-25T07:00:00+00:00,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n");
    const changes = changesOf(await analyse("run-2", [account("111111111111", nextCsv)], first));
    expect(changes.previousRunId).to.equal("run-1");
    expect(ids(changes.newFindings)).to.deep.equal(["111111111111/frank/console-without-mfa"]);
    expect(ids(changes.resolvedFindings)).to.deep.equal(["111111111111/alice/console-without-mfa"]);
    expect(changesOf(first)).to.deep.include({ previousRunId: null, resolvedFindings: [], notRechecked: [] });
    expect(changesOf(first).newFindings).to.have.length(first.overview.totals.findings);
  });

  it("resolves a finding only when its account was re-checked: one account fails between two good runs", async () => {
    // Run 1: both accounts read. Run 2: alice fixed her MFA; the sandbox account's report could not be read.
    // Run 3: the sandbox account is back, its findings as they were.
    const sandboxCsv = fixture("workloads-111111111111.csv").replaceAll("111111111111", "222222222222");
    const fixedCsv = fixture("workloads-111111111111.csv").replace(/^(alice,.*?,N\/A,)false,/m, "$1true,");
    const run1 = await analyse("run-1", [account("111111111111", fixture("workloads-111111111111.csv")), account("222222222222", sandboxCsv)]);
    const sandbox = run1.accounts.find((a) => a.accountId === "222222222222")!.findings;
    const run2 = await analyse("run-2", [account("111111111111", fixedCsv), account("222222222222", { readError: "AccessDenied" })], run1);
    const run3 = await analyse("run-3", [account("111111111111", fixedCsv), account("222222222222", sandboxCsv)], run2);

    expect(sandbox).to.have.length.above(0);
    expect(changesOf(run2).newFindings).to.deep.equal([]);
    expect(ids(changesOf(run2).resolvedFindings)).to.deep.equal(["111111111111/alice/console-without-mfa"]);
    expect(changesOf(run2).notRechecked).to.deep.equal(sandbox.map((f) => ({ ...f, lastSeenRunId: "run-1" })));
    expect(changesOf(run3)).to.deep.equal({ previousRunId: "run-2", newFindings: [], resolvedFindings: [], notRechecked: [] });
    // Had the sandbox account been fixed meanwhile, run 3 would resolve its findings, carried or not.
    const fixedSandbox = await analyse("run-3", [account("111111111111", fixedCsv), account("222222222222", fixedCsv.replaceAll("111111111111", "222222222222"))], run2);
    expect(ids(changesOf(fixedSandbox).resolvedFindings)).to.deep.equal(["222222222222/alice/console-without-mfa"]);
  });

  it("neutralizes cells a spreadsheet would run, full-width forms too, and only those", () => {
    const cellOf = (cell: string) => parse(spreadsheetCsv([[cell]]))[0][0];
    for (const cell of ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "\uFF1DSUM(A1)", "\uFF0B1", "\uFF0D2", "\uFF20SUM(A1)"]) {
      expect(cellOf(cell), JSON.stringify(cell)).to.equal(`'${cell}`);
    }
    for (const cell of ["alice", "2026-11-25T08:00:00+00:00", "N/A", "a=b", "a,\"b\""]) expect(cellOf(cell)).to.equal(cell);
  });

  it("writes every user of every account, account first, with formulas neutralized", async () => {
    const withFormula = fixture("sandbox-222222222222.csv").replace("reader,arn:aws:iam::222222222222:user/reader", "=cmd,arn:aws:iam::222222222222:user/=cmd");
    const { files } = await analyse("r1", [account("111111111111", fixture("workloads-111111111111.csv"), "workloads"), account("222222222222", withFormula, "+sandbox")]);
    const rows: string[][] = parse(files.users!);
    expect(rows[0].slice(0, 4)).to.deep.equal(["account_id", "account_name", "user", "arn"]);
    expect(rows).to.have.length(1 + 8 + 2);
    expect(rows[6].slice(0, 4)).to.deep.equal(["111111111111", "workloads", "ci,deploy=bot", "arn:aws:iam::111111111111:user/ci,deploy=bot"]);
    expect(rows[10].slice(0, 4)).to.deep.equal(["222222222222", "'+sandbox", "'=cmd", "arn:aws:iam::222222222222:user/=cmd"]);
  });
});

describe("HTML report text", () => {
  const run = { id: "r<1>", startedAt: NOW.toISOString() };
  const header = fixture("workloads-111111111111.csv").split("\n")[0];
  /** A report of `n` console users without MFA. */
  const consoleUsers = (accountId: string, n: number) =>
    [header, ...Array.from({ length: n }, (_, i) => `u${i},arn:aws:iam::${accountId}:user/u${i},2026-01-01T00:00:00+00:00,true,2026-11-24T00:00:00+00:00,2026-01-01T00:00:00+00:00,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`)].join("\n");

  it("lists findings not re-checked this run apart, with the run they were last seen in", async () => {
    const first = await analyzeReports({ run: { id: "r<0>", startedAt: NOW.toISOString() }, reports: [{ id: "111111111111", name: "", csv: fixture("workloads-111111111111.csv") }] });
    const [carried] = first.accounts[0].findings;
    const { files } = await analyzeReports({
      run: { id: "r2", startedAt: NOW.toISOString() },
      reports: [{ id: "111111111111", name: "", csv: { readError: "AccessDenied" } }],
      known: () => ({ runId: "r<0>", findings: [carried], notRechecked: [] }),
    });

    expect(files.html).to.contain("<h2>Not re-checked this run</h2>");
    expect(files.html).to.contain(`<li>${escapeHtml(carried.message)} (last seen in run <code>r&lt;0&gt;</code>)</li>`);
    expect(files.html).to.match(/<div class="total"><b>1<\/b>carried, not re-checked<\/div>/);
    expect(files.html).to.not.contain("Resolved since the previous run");
  });

  it("escapes every character that could open markup or leave an attribute, and links only to the run's own files", async () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).to.equal("&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
    const { files } = await analyzeReports({ run, reports: [{ id: "111111111111", name: "a&b", csv: fixture("workloads-111111111111.csv") }] });
    expect(files.html).to.contain("Run <code>r&lt;1&gt;</code>");
    expect(files.html).to.contain("a&amp;b (111111111111)");
    expect(files.html).to.not.match(/src=|@import|url\(/);
    // The run's own files, and AWS's pages on each fix (a link followed by the reader, never fetched by the page).
    const links = [...files.html!.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(links.filter((href) => !["findings.json", "findings.jsonl", "findings.csv", "users.csv", "changes.json"].includes(href) && !href.startsWith("https://docs.aws.amazon.com/"))).to.deep.equal([]);
  });

  it("shows the first rows of each check and points at the files for the rest, so any run gets a page that opens", async () => {
    const { files } = await analyzeReports({ run, reports: [{ id: "111111111111", name: "", csv: consoleUsers("111111111111", MAX_ROWS_PER_CHECK + 7) }] });
    const table = files.html!.slice(files.html!.indexOf('id="check-console-without-mfa"'), files.html!.indexOf("</table>", files.html!.indexOf('id="check-console-without-mfa"')));
    expect(table.match(/<tr><td data-sort/g)).to.have.length(MAX_ROWS_PER_CHECK);
    expect(files.html).to.contain(`Showing the first ${MAX_ROWS_PER_CHECK} of ${MAX_ROWS_PER_CHECK + 7}; all are in <a href="findings.csv">findings.csv</a>.`);
  });

  it("draws the accounts with the most findings and sums up the rest in one bar, after an overview by check", async () => {
    // Account i has i + 1 findings: the last ones have the most.
    const accounts = Array.from({ length: MAX_CHART_ACCOUNTS + 70 }, (_, i) => String(100000000000 + i));
    const { files } = await analyzeReports({ run, reports: accounts.map((id, i) => ({ id, name: "", csv: consoleUsers(id, i + 1) })) });
    const html = files.html!;

    const start = html.indexOf("<svg role=\"img\" aria-label=\"Findings by account");
    const chart = html.slice(start, html.indexOf("</svg>", start));
    expect(chart.match(/<title>/g)!.length).to.be.lessThan(3 * (MAX_CHART_ACCOUNTS + 1) + 1);
    expect(chart).to.contain(`>${accounts[accounts.length - 1]}</text>`);
    expect(chart).to.not.contain(`>${accounts[0]}</text>`);
    expect(chart).to.contain(">70 other accounts</text>");
    // The 70 accounts with the fewest findings: 1 + 2 + ... + 70.
    expect(chart).to.contain(`>${(70 * 71) / 2}</text>`);
    const total = (accounts.length * (accounts.length + 1)) / 2;
    const overview = html.slice(html.indexOf('<table id="checks">'), html.indexOf("</table>", html.indexOf('<table id="checks">')));
    expect(overview).to.contain(`<td>Console password without MFA <code class="check-id">console-without-mfa</code></td><td>1.10</td><td>${total}</td><td>${accounts.length}</td>`);
    expect(html.indexOf('<table id="checks">')).to.be.lessThan(start);
    // Every place a check is named gives the id an accepted-risk rule needs: the legend, the checks not evaluated.
    const legend = html.slice(html.indexOf('<div class="legend">', start), html.indexOf("</div>", html.indexOf('<div class="legend">', start)));
    expect(legend).to.contain(`Console password without MFA <code class="check-id">console-without-mfa</code>`);
    const undecided = html.slice(html.indexOf("<h2>Checks not evaluated</h2>"), html.indexOf("</ul>", html.indexOf("<h2>Checks not evaluated</h2>")));
    expect(undecided).to.contain(`Password policy allows short passwords <code class="check-id">password-policy-short</code>`);
  });
});

describe("finding thresholds of a deployed Summarize", () => {
  it("reads them from the environment, keeping the default of any unset one", () => {
    expect(thresholdsFromEnv({})).to.deep.equal(DEFAULT_THRESHOLDS);
    expect(thresholdsFromEnv({ MAX_KEY_AGE_DAYS: "60", MAX_REPORT_AGE_HOURS: " 6 " })).to.deep.equal({ ...DEFAULT_THRESHOLDS, maxKeyAgeDays: 60, maxReportAgeHours: 6 });
    const every = { maxKeyAgeDays: 1, unusedDays: 2, rootUseWindowDays: 3, maxReportAgeHours: 4, minPasswordLength: 20, passwordReusePrevention: 5, mfaForEveryUser: true };
    expect(thresholdsFromEnv(thresholdsEnv(every))).to.deep.equal(every);
  });

  it("refuses values out of range, naming the variable", () => {
    expect(() => thresholdsFromEnv({ UNUSED_DAYS: "45.5", ROOT_USE_WINDOW_DAYS: "0" })).to.throw(
      "InvalidInput: UNUSED_DAYS must be a whole number from 1 to 3650, got 45.5; ROOT_USE_WINDOW_DAYS must be a whole number from 1 to 3650, got 0",
    );
    // IAM's own bounds for a password policy.
    expect(() => thresholdsFromEnv({ MIN_PASSWORD_LENGTH: "5", PASSWORD_REUSE_PREVENTION: "25", MFA_FOR_EVERY_USER: "yes" })).to.throw(
      'InvalidInput: MFA_FOR_EVERY_USER must be true or false, got "yes"; MIN_PASSWORD_LENGTH must be a whole number from 6 to 128, got 5; PASSWORD_REUSE_PREVENTION must be a whole number from 1 to 24, got 25',
    );
  });
});
