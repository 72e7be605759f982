import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type AcceptedRisk, applyAcceptedRisks, type BreakGlassRule, everyAccountWarnings, type ExceptionRule, InvalidAcceptedRisks, nameMatcher } from "../../../functions/analysis/accepted-risks";
import { parseAcceptedRisks } from "../../../functions/analysis/accepted-risks-file";
import { analyzeReports } from "../../helpers/analyze-reports";
import { FINDINGS_COLUMNS } from "../../../components/queries/athena-queries";
import { mockClient } from "aws-sdk-client-mock";
import { GetAccountPasswordPolicyCommand, GetAccountSummaryCommand, IAMClient, ListVirtualMFADevicesCommand, NoSuchEntityException } from "@aws-sdk/client-iam";
import { readIamAccount } from "../../../functions/collect-report/read-iam-account";
import { parseCredentialReport } from "../../../functions/analysis/credential-report";
import { passwordPolicyFindings, userFindings } from "../../../functions/analysis/findings";

const NOW = new Date("2026-11-25T08:00:00Z");
const csv = readFileSync(join(__dirname, "../../fixtures/credential-reports/workloads-111111111111.csv"), "utf8");
/** One run of the workloads account: its findings (with the rule that accepts each), what the run says of them, and its files. */
const analyse = async (acceptedRisks?: AcceptedRisk[]) => {
  const analysis = await analyzeReports({ run: { id: "r1", startedAt: NOW.toISOString() }, reports: [{ id: "111111111111", name: "w", csv }], acceptedRisks });
  return { ...analysis, findings: analysis.accounts[0].findings };
};

const rule = (fields: Partial<ExceptionRule>): ExceptionRule => ({
  check: "console-without-mfa",
  account: "111111111111",
  user: "alice",
  reason: "break-glass login, MFA in the safe",
  owner: "security@example.com",
  expires: "2027-03-31",
  ...fields,
});

describe("accepted risks", () => {
  it("accepts the root user's findings as <root_account> and the account's own as <account>, as the docs write them", () => {
    const root = rule({ check: "root-mfa-off", user: "<root_account>", reason: "root MFA device on order" });
    const policy = rule({ check: "password-policy-reuse", user: "<account>", reason: "the account's SSO users have no passwords" });
    const account = { id: "111111111111", csv };
    const findings = [
      { id: "111111111111/<root_account>/root-mfa-off", checkId: "root-mfa-off", user: "<root_account>" },
      { id: "111111111111/password-policy-reuse", checkId: "password-policy-reuse", user: "" },
      { id: "111111111111/password-policy-short", checkId: "password-policy-short", user: "" },
    ].map((f) => ({ ...f, severity: "low", cisControl: null, accountId: account.id, evidence: {}, message: "" })) as never[];

    const decisions = applyAcceptedRisks(findings, [root, policy], NOW);

    expect(decisions.accepted.map((a) => [(a.finding as { id: string }).id, a.rule])).to.deep.equal([
      ["111111111111/<root_account>/root-mfa-off", root],
      ["111111111111/password-policy-reuse", policy],
    ]);
    expect(decisions.open.map((f) => (f as { id: string }).id)).to.deep.equal(["111111111111/password-policy-short"]);
  });

  it("accepts, with the rules docs/findings.md writes, the findings IAM's own answers make: a root's virtual device, an account with no password policy", async () => {
    const docs = readFileSync(join(__dirname, "../../../docs/findings.md"), "utf8");
    const section = docs.slice(docs.indexOf("**Root and the account itself.**"));
    const yaml = /\n  ```yaml\n([\s\S]*?)\n  ```/.exec(section)![1].replace(/^ {2}/gm, "");
    const rules = parseAcceptedRisks(yaml, "docs/findings.md");
    const iam = mockClient(IAMClient);
    try {
      // 222222222222: a root with a password and a virtual MFA device, as IAM lists it.
      iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: { AccountMFAEnabled: 1, AccountAccessKeysPresent: 0, AccountPasswordPresent: 1 } });
      iam.on(ListVirtualMFADevicesCommand).resolves({
        VirtualMFADevices: [{ SerialNumber: "arn:aws:iam::222222222222:mfa/root-account-mfa-device", User: { Arn: "arn:aws:iam::222222222222:root", UserName: "", UserId: "222222222222", Path: "/", CreateDate: NOW } }],
      });
      iam.on(GetAccountPasswordPolicyCommand).resolves({ PasswordPolicy: { MinimumPasswordLength: 14, PasswordReusePrevention: 24 } });
      const rootRow = "<root_account>,arn:aws:iam::222222222222:root,2021-06-01T10:00:00+00:00,not_supported,2026-10-20T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A";
      const report = `${csv.split("\n")[0]}\n${rootRow}\n`;
      const root = userFindings(parseCredentialReport("222222222222", report), NOW, undefined, await readIamAccount(new IAMClient({})));
      // 333333333333: IAM answers NoSuchEntity, as it does for an account that never set a policy.
      iam.reset();
      iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: {} });
      iam.on(ListVirtualMFADevicesCommand).resolves({ VirtualMFADevices: [] });
      iam.on(GetAccountPasswordPolicyCommand).rejects(new NoSuchEntityException({ message: "The Password Policy with domain name 333333333333 cannot be found.", $metadata: { httpStatusCode: 404 } }));
      const policy = passwordPolicyFindings("333333333333", await readIamAccount(new IAMClient({})));
      expect(root.map((f) => f.id)).to.deep.equal(["222222222222/<root_account>/root-hardware-mfa-off"]);
      expect(policy.map((f) => f.id)).to.deep.equal(["333333333333/password-policy-short", "333333333333/password-policy-reuse"]);

      const decisions = applyAcceptedRisks([...root, ...policy], rules, NOW);

      expect(decisions.accepted.map((a) => a.finding.id)).to.deep.equal(["222222222222/<root_account>/root-hardware-mfa-off", "333333333333/password-policy-reuse"]);
      expect(decisions.open.map((f) => f.id)).to.deep.equal(["333333333333/password-policy-short"]);
    } finally {
      iam.restore();
    }
  });

  it("refuses a rule whose user its check's findings never have, saying which form to write", () => {
    const problems = (fields: Partial<ExceptionRule> | Record<string, unknown>) => {
      try {
        parseAcceptedRisks(JSON.stringify({ acceptedRisks: [{ ...rule({}), ...fields }] }), "risks.json");
        return [];
      } catch (err) {
        // One JSON line: every problem is on line 1.
        return (err as InvalidAcceptedRisks).problems.map((p) => p.replace(/^line 1: /, ""));
      }
    };
    expect(problems({ check: "password-policy-short", user: "" })).to.deep.equal([
      'acceptedRisks[0].user is required (text): "<account>" for password-policy-short, which is about the account itself, got ""',
    ]);
    expect(problems({ check: "root-mfa-off", user: "" })).to.deep.equal(['acceptedRisks[0].user is required (text): "<root_account>" for root-mfa-off, got ""']);
    expect(problems({ check: "password-policy-short", user: "bob" })).to.deep.equal([
      'acceptedRisks[0].user must be "<account>" (or "*"): password-policy-short is about the account itself, not a user, got "bob"',
    ]);
    expect(problems({ check: "root-access-key-active", user: "admin" })).to.deep.equal(['acceptedRisks[0].user must be "<root_account>" (or "*"): root-access-key-active is about the root user, got "admin"']);
    expect(problems({ check: "console-without-mfa", user: "<account>" })).to.deep.equal([
      'acceptedRisks[0].user "<account>" is for the checks about the account itself (password-policy-short, password-policy-reuse, report-stale), not console-without-mfa',
    ]);
    expect(problems({ check: undefined, kind: "break-glass", user: "<account>" })).to.deep.equal([
      'acceptedRisks[0].user "<account>" is for the checks about the account itself (password-policy-short, password-policy-reuse, report-stale), not a break-glass rule',
    ]);
    expect(problems({ check: "report-stale", user: "*" })).to.deep.equal([]);
    expect(problems({ check: "root-recently-used", user: "<root*" })).to.deep.equal([]);
  });

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
        { ...rule({ check: "no-such-check" as ExceptionRule["check"], account: "1234" }), expires: "2027-13-01" },
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
    expect(error!.problems[0]).to.match(/^line 1: acceptedRisks\[0\]\.check must be one of root-mfa-off, .*console-without-mfa.*, got "no-such-check"$/);
    expect(error!.problems.slice(1)).to.deep.equal([
      'line 1: acceptedRisks[0].account must be a 12-digit account id or "*", got "1234"',
      'line 1: acceptedRisks[0].expires must be a day of the calendar (YYYY-MM-DD), got "2027-13-01"',
      "line 1: acceptedRisks[1].until is not a field of a rule (kind, check, account, user, reason, owner, expires)",
      "line 1: acceptedRisks[1].reason is required (text), got null",
    ]);
    expect(error!.message).to.match(/^risks\.json: 5 problems in the accepted risks:\n {2}- /);
    expect(() => parseAcceptedRisks("rules: []", "r.yaml")).to.throw("acceptedRisks must be a list of rules");
  });

  it("reads every file as YAML 1.2 core and refuses a day the calendar lacks, naming its line", () => {
    const file = (directive: string, expires: string, check = "access-key-old") =>
      `${directive}acceptedRisks:\n  - check: ${check}\n    account: "111111111111"\n    user: ci\n    reason: r\n    owner: o\n    expires: ${expires}\n`;
    const problemsOf = (text: string) => {
      try {
        parseAcceptedRisks(text, "r.yaml");
        return [];
      } catch (err) {
        return (err as InvalidAcceptedRisks).problems;
      }
    };

    // Under YAML 1.1 the timestamp 2026-02-30 would be read as 2026-03-02.
    for (const directive of ["", "%YAML 1.1\n---\n", "%YAML 1.2\n---\n"]) {
      const line = directive ? 9 : 7;
      expect(problemsOf(file(directive, "2026-02-30"))).to.deep.equal([`line ${line}: acceptedRisks[0].expires must be a day of the calendar (YYYY-MM-DD), got "2026-02-30"`]);
      expect(problemsOf(file(directive, "!!timestamp 2026-02-31"))).to.have.length(1);
      expect(parseAcceptedRisks(file(directive, "2028-02-29"), "r.yaml")[0].expires).to.equal("2028-02-29");
    }
    expect(problemsOf(file("", "2027-02-29"))).to.have.length(1);
    // An inherited name of the checks table is no check.
    for (const check of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      expect(problemsOf(file("", "2027-01-01", check))[0], check).to.match(/^line 2: acceptedRisks\[0\]\.check must be one of /);
    }
    expect(problemsOf("acceptedRisks:\n  - check: [unclosed\n")[0]).to.match(/^line \d: not YAML or JSON: /);
  });

  it("matches * patterns like a glob, in time linear in the name", () => {
    const matches = (pattern: string, name: string) => nameMatcher(pattern)(name);
    const cases: [string, string, boolean][] = [
      ["alice", "alice", true], ["alice", "alice2", false], ["*", "", true], ["*", "anyone", true],
      ["ali*", "alice", true], ["*ce", "alice", true], ["a*c*e", "alice", true], ["a*c*e", "alicf", false],
      ["a*a", "a", false], ["a*a", "aa", true], ["*a*a*", "xaya", true], ["*a*a*", "xay", false],
      ["ci-*-deploy", "ci-prod-deploy", true], ["ci-*-deploy", "ci-deploy", false], ["a.b", "axb", false], ["a+b", "a+b", true],
      ["**", "x", true], ["x**y", "xy", true], ["*ab*ab*", "abab", true], ["*ab*ab*", "aba", false],
    ];
    for (const [pattern, name, expected] of cases) expect(matches(pattern, name), `${pattern} ~ ${name}`).to.equal(expected);

    // The pattern a regular expression of ".*" runs backtracks on: with a 64-character name (IAM's
    // longest) a regex takes about 64^10 steps; counted here, the matcher looks at each part once.
    const pattern = `${"*a".repeat(10)}*b`;
    const name = "a".repeat(64);
    let searches = 0;
    const indexOf = String.prototype.indexOf;
    String.prototype.indexOf = function (this: string, ...args: [string, number?]) {
      searches++;
      return indexOf.apply(this, args);
    };
    try {
      expect(matches(pattern, name)).to.equal(false);
    } finally {
      String.prototype.indexOf = indexOf;
    }
    expect(searches).to.be.at.most(10);
  });

  it("covers findings of the rule's check, account and user pattern, until the rule's day", async () => {
    const { findings } = await analyse();
    const alice = findings.find((f) => f.id === "111111111111/alice/console-without-mfa")!;
    const everyone = rule({ account: "*", user: "*" });

    expect(applyAcceptedRisks([alice], [rule({ expires: "2026-11-25" })], NOW).accepted).to.have.length(1);
    expect(applyAcceptedRisks([alice], [rule({ user: "al*" })], NOW).accepted).to.have.length(1);
    expect(applyAcceptedRisks([alice], [rule({ user: "alic" })], NOW).open).to.deep.equal([alice]);
    expect(applyAcceptedRisks([alice], [rule({ account: "222222222222" })], NOW).open).to.deep.equal([alice]);
    expect(applyAcceptedRisks([alice], [rule({ check: "access-key-old" })], NOW).open).to.deep.equal([alice]);
    expect(applyAcceptedRisks([alice], [everyone], NOW).accepted).to.deep.equal([{ finding: alice, rule: everyone }]);
  });

  it("stops applying a rule after its day and says so; a rule that matched nothing is stale", async () => {
    const { findings } = await analyse();
    const expired = rule({ expires: "2026-11-24" });
    const unused = rule({ user: "nobody" });

    const decisions = applyAcceptedRisks(findings, [expired, unused], NOW);

    expect(decisions.accepted).to.deep.equal([]);
    expect(decisions.open).to.deep.equal(findings);
    expect(decisions.expired).to.deep.equal([expired]);
    expect(decisions.stale).to.deep.equal([unused]);
  });

  it("keeps an accepted finding in findings.json with its rule, out of the open counts and the alerts", async () => {
    const before = await analyse();
    const accepted = rule({});
    const after = await analyse([accepted]);
    const { files } = after;
    const stored = JSON.parse(files.findings!);
    const urgent = (run: typeof before) => run.overview.urgent.listed.map((f) => f.id);

    expect(after.findings.map((f) => f.id)).to.deep.equal(before.findings.map((f) => f.id));
    expect(after.overview.totals.findings).to.equal(before.overview.totals.findings - 1);
    expect(after.overview.bySeverity.high).to.equal(before.overview.bySeverity.high - 1);
    expect(urgent(before)).to.include("111111111111/alice/console-without-mfa");
    expect(urgent(after)).to.not.include("111111111111/alice/console-without-mfa");
    expect(stored.findings.find((f: { id: string }) => f.id === "111111111111/alice/console-without-mfa").acceptedRisk).to.deep.equal(accepted);
    expect(files.findingsLines!.split("\n").filter((line) => line.includes('"accepted":true'))).to.have.length(1);
    // Athena reads exactly these fields, accepted included, so a query can leave accepted risks out.
    const line = JSON.parse(files.findingsLines!.split("\n")[0]);
    expect(FINDINGS_COLUMNS.map((c) => c.name)).to.deep.equal(Object.keys(line));
    expect(JSON.parse(files.summary!).acceptedRisks).to.deep.equal({ findings: 1, expiredRules: 0, staleRules: 0 });
    expect(files.html).to.contain("<h2>Accepted risks</h2>");
    expect(files.html).to.contain("break-glass login, MFA in the safe (security@example.com, until 2027-03-31)");
    // The cards add up: every finding is open or accepted, and the new ones are counted once.
    const open = after.overview.totals.findings;
    expect(open + 1).to.equal(after.findings.length);
    expect(files.html).to.contain(`<div class="total"><b>${open}</b>open findings</div>`);
    expect(files.html).to.contain(`<div class="total"><b>${open}</b>new (open)</div>`);
    expect(files.html).to.contain(`<div class="total"><b>1</b>accepted (not open)</div>`);
    expect(files.html).to.contain(
      `${open} open findings: no accepted risk covers them, and ${open} of them are new this run. 1 more finding is an accepted risk (1 of this run's new findings among them), counted apart and never alerted on; 0 earlier findings of accounts not re-checked this run are carried, apart from both; 0 findings of the run before are resolved.`,
    );
  });

  describe("rules over every account, warned of at preview", () => {
    it("warns of each exception rule for named users in every account, naming the rule, why and the fix", () => {
      const vendor = rule({ check: "access-key-old", account: "*", user: "ci-vendor-sync", owner: "platform@example.com" });
      const pattern = rule({ check: "console-without-mfa", account: "*", user: "svc-*", owner: "ops@example.com" });

      const warnings = everyAccountWarnings([rule({}), vendor, pattern]);

      expect(warnings).to.deep.equal([
        'acceptedRisks[1] (access-key-old for user "ci-vendor-sync", owner platform@example.com) applies in every account (account "*"): ' +
          "any member account can create a user of that name and have its access-key-old findings accepted. " +
          "Name the accounts the user belongs to instead: one rule per 12-digit account id (a rule takes no OU).",
        'acceptedRisks[2] (console-without-mfa for user "svc-*", owner ops@example.com) applies in every account (account "*"): ' +
          "any member account can create a user of that name and have its console-without-mfa findings accepted. " +
          "Name the accounts the user belongs to instead: one rule per 12-digit account id (a rule takes no OU).",
      ]);
    });

    it("says nothing of a rule in one account, for every user, for root or the account itself, or for break-glass users", () => {
      const quiet: AcceptedRisk[] = [
        rule({ account: "111111111111", user: "ci-vendor-sync" }),
        // Every user of every account: no name a member account could choose to be covered.
        rule({ account: "*", user: "*" }),
        rule({ account: "*", user: "**" }),
        // No member account can make another root user, nor a user named <account>.
        rule({ check: "access-key-old", account: "*", user: "<root_account>" }),
        rule({ check: "root-mfa-off", account: "*", user: "<root*" }),
        rule({ check: "password-policy-short", account: "*", user: "<account>" }),
        // A break-glass user's use and missing MFA are high findings: a lookalike is louder, not hidden.
        { kind: "break-glass", account: "*", user: "break-glass-admin", reason: "emergency access", owner: "security@example.com", expires: "2027-12-31" },
      ];

      expect(everyAccountWarnings(quiet)).to.deep.equal([]);
      expect(everyAccountWarnings([])).to.deep.equal([]);
    });
  });

  describe("break-glass rules", () => {
    const breakGlass = (user: string, expires = "2027-03-31"): BreakGlassRule => ({ kind: "break-glass", account: "111111111111", user, reason: "emergency access", owner: "security@example.com", expires });
    const ids = (findings: readonly { id: string }[]) => findings.map((f) => f.id).sort();

    it("reads a break-glass rule without a check, and refuses one with a check or an unknown kind", () => {
      const yaml = `acceptedRisks:
  - kind: break-glass
    account: "111111111111"
    user: alice
    reason: emergency access
    owner: security@example.com
    expires: 2027-03-31
  - { kind: break-glass, check: access-key-old, account: "*", user: x, reason: r, owner: o, expires: 2027-01-01 }
  - { kind: mute, check: access-key-old, account: "*", user: x, reason: r, owner: o, expires: 2027-01-01 }
`;
      expect(() => parseAcceptedRisks(yaml, "r.yaml")).to.throw(InvalidAcceptedRisks).with.property("problems").that.deep.equals([
        'line 8: acceptedRisks[1].check must be left out of a break-glass rule (it covers the user, not one check), got "access-key-old"',
        'line 9: acceptedRisks[2].kind must be "exception" (the default) or "break-glass", got "mute"',
      ]);
      expect(parseAcceptedRisks(yaml.split("\n  - {")[0], "r.yaml")).to.deep.equal([breakGlass("alice")]);
    });

    it("makes a recent use and a missing MFA high findings, in place of console-without-mfa", async () => {
      const before = await analyse();
      const after = await analyse([breakGlass("alice")]);
      const alice = (findings: readonly { id: string; user: string }[]) => ids(findings.filter((f) => f.user === "alice"));

      expect(alice(before.findings)).to.include("111111111111/alice/console-without-mfa");
      expect(alice(after.findings)).to.include.members(["111111111111/alice/break-glass-used", "111111111111/alice/break-glass-without-mfa"]);
      expect(alice(after.findings)).to.not.include("111111111111/alice/console-without-mfa");
      const used = after.findings.find((f) => f.id === "111111111111/alice/break-glass-used")!;
      expect(used).to.include({ severity: "high", message: "Break-glass user alice (111111111111) was used 14 hours ago (password_last_used)" });
      expect(used.evidence).to.include({ password_last_used: "2026-11-24T17:12:44+00:00", days_since_last_use: "0" });
      expect(after.overview.rules.stale).to.deep.equal([]);
      // The other findings of the account are untouched.
      expect(ids(after.findings.filter((f) => f.user !== "alice"))).to.deep.equal(ids(before.findings.filter((f) => f.user !== "alice")));
    });

    it("accepts an unused break-glass user's credential-unused finding; an expired rule gives the user back to the ordinary checks", async () => {
      const erin = (findings: readonly { id: string; user: string }[]) => ids(findings.filter((f) => f.user === "erin"));
      const kept = await analyse([breakGlass("erin")]);
      const expired = await analyse([breakGlass("erin", "2026-11-24")]);
      const accepted = (run: typeof kept) => run.findings.flatMap((f) => (f.acceptedRisk ? [[f.id, f.acceptedRisk.reason]] : []));

      expect(erin(kept.findings)).to.deep.equal(["111111111111/erin/credential-unused/password"]);
      expect(accepted(kept)).to.deep.equal([["111111111111/erin/credential-unused/password", "emergency access"]]);
      expect(erin(expired.findings)).to.deep.equal(["111111111111/erin/credential-unused/password"]);
      expect(accepted(expired)).to.deep.equal([]);
      expect(expired.overview.rules.expired).to.deep.equal([breakGlass("erin", "2026-11-24")]);
    });

    it("is stale when it names no user of the run", async () => {
      expect((await analyse([breakGlass("nobody")])).overview.rules.stale).to.deep.equal([breakGlass("nobody")]);
    });
  });
});
