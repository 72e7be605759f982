import { humanAge } from "./ages";
import { type CredentialUser, type Field, type ParsedReport, valueOf } from "./credential-report";
import { type IamAccount, rootHasCredentials } from "./iam-account";

export type Severity = "critical" | "high" | "medium" | "low";
export const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low"];

/** What a check's findings are about: the root user, the account itself (no user), or an IAM user. */
export type CheckSubject = "root" | "account" | "user";

/** The root user's name in the credential report, and so in its findings. */
export const ROOT_USER = "<root_account>";

/**
 * What each check looks for, what it is about and how bad it is; its CIS AWS Foundations Benchmark v3.0.0 control,
 * and the AWS Security Hub control and Prowler check that decide the same (docs/findings.md says
 * where they differ). The id of a check never changes: it is part of every finding's id.
 */
export const CHECKS = {
  "root-mfa-off": { about: "root", severity: "critical", cisControl: "1.5", securityHub: "IAM.9", prowler: "iam_root_mfa_enabled", title: "Root user without MFA" },
  "root-hardware-mfa-off": { about: "root", severity: "high", cisControl: "1.6", securityHub: "IAM.6", prowler: "iam_root_hardware_mfa_enabled", title: "Root user without hardware MFA" },
  "root-access-key-active": { about: "root", severity: "critical", cisControl: "1.4", securityHub: "IAM.4", prowler: "iam_no_root_access_key", title: "Root user with an access key" },
  "root-recently-used": { about: "root", severity: "high", cisControl: "1.7", securityHub: null, prowler: "iam_avoid_root_usage", title: "Root user used recently" },
  "console-without-mfa": { about: "user", severity: "high", cisControl: "1.10", securityHub: "IAM.5", prowler: "iam_user_mfa_enabled_console_access", title: "Console password without MFA" },
  "user-without-mfa": { about: "user", severity: "low", cisControl: null, securityHub: "IAM.19", prowler: null, title: "User without MFA (no console password)" },
  "access-key-old": { about: "user", severity: "medium", cisControl: "1.14", securityHub: "IAM.3", prowler: "iam_rotate_access_key_90_days", title: "Active access key not rotated" },
  "credential-unused": { about: "user", severity: "medium", cisControl: "1.12", securityHub: "IAM.22", prowler: "iam_user_accesskey_unused", title: "Active credential unused" },
  "both-keys-active": { about: "user", severity: "low", cisControl: "1.13", securityHub: null, prowler: "iam_user_two_active_access_key", title: "Two active access keys" },
  "key-created-with-user-unused": { about: "user", severity: "low", cisControl: "1.11", securityHub: null, prowler: "iam_user_no_setup_initial_access_key", title: "Access key made with the user, never used" },
  "password-policy-short": { about: "account", severity: "medium", cisControl: "1.8", securityHub: "IAM.15", prowler: "iam_password_policy_minimum_length_14", title: "Password policy allows short passwords" },
  "password-policy-reuse": { about: "account", severity: "low", cisControl: "1.9", securityHub: "IAM.16", prowler: "iam_password_policy_reuse_24", title: "Password policy allows reuse" },
  "break-glass-used": { about: "user", severity: "high", cisControl: null, securityHub: null, prowler: null, title: "Break-glass user's credentials used" },
  "break-glass-without-mfa": { about: "user", severity: "high", cisControl: null, securityHub: null, prowler: null, title: "Break-glass user without MFA" },
  "report-stale": { about: "account", severity: "medium", cisControl: null, securityHub: null, prowler: null, title: "Credential report older than expected" },
} as const satisfies Record<string, { about: CheckSubject; severity: Severity; cisControl: string | null; securityHub: string | null; prowler: string | null; title: string }>;
export type CheckId = keyof typeof CHECKS;

/** One problem with one credential of one user (or with a report). */
export interface Finding {
  /** Stable across runs: account, user, check and, where a user has several, the credential. */
  readonly id: string;
  readonly checkId: CheckId;
  readonly severity: Severity;
  readonly cisControl: string | null;
  readonly accountId: string;
  readonly user: string;
  readonly credential?: "password" | "access_key_1" | "access_key_2";
  /** The report fields the finding rests on, as IAM wrote them, plus the computed age in days. */
  readonly evidence: Readonly<Record<string, string>>;
  readonly message: string;
}

/** Where each check draws its line, and whether the optional one runs. */
export interface FindingThresholds {
  /** An active key rotated longer ago than this is old (CIS: 90 days or less). @default 90 */
  readonly maxKeyAgeDays: number;
  /** A credential unused this long or longer should be disabled (CIS: 45 days or greater). @default 45 */
  readonly unusedDays: number;
  /** Use of the root user, or of a break-glass user, within this many days is reported. @default 30 */
  readonly rootUseWindowDays: number;
  /** A report generated longer ago than this before the run is stale. @default 24 */
  readonly maxReportAgeHours: number;
  /** The password policy's minimum length must be at least this (CIS 1.8: 14). @default 14 */
  readonly minPasswordLength: number;
  /** The password policy must prevent the reuse of at least this many passwords (CIS 1.9: 24). @default 24 */
  readonly passwordReusePrevention: number;
  /** Report every IAM user without MFA, console password or not (Security Hub IAM.19). @default false */
  readonly mfaForEveryUser: boolean;
}

export const DEFAULT_THRESHOLDS: FindingThresholds = {
  maxKeyAgeDays: 90,
  unusedDays: 45,
  rootUseWindowDays: 30,
  maxReportAgeHours: 24,
  minPasswordLength: 14,
  passwordReusePrevention: 24,
  mfaForEveryUser: false,
};

export const DAY_MS = 86_400_000;
// "Created with the user": the console and the CLI both make the key within seconds of the user.
const WITH_USER_MS = 60_000;

export function finding(checkId: CheckId, user: CredentialUser, message: string, evidence: Record<string, string>, credential?: Finding["credential"]): Finding {
  const check = CHECKS[checkId];
  return {
    id: [user.accountId, user.user, checkId, credential].filter(Boolean).join("/"),
    checkId,
    severity: check.severity,
    cisControl: check.cisControl,
    accountId: user.accountId,
    user: user.user,
    ...(credential ? { credential } : {}),
    evidence,
    message,
  };
}

/**
 * Every day threshold compares whole days: the days completed between the date IAM wrote and the
 * run's start (a key rotated 90 days and 23 hours before the run is 90 days old, within a 90-day limit).
 */
export const wholeDays = (ms: number) => Math.floor(ms / DAY_MS);
export const pick = (user: CredentialUser, ...columns: string[]) => Object.fromEntries(columns.map((c) => [c, user.raw[c]]));

/**
 * Every finding about the users of one report, as of `now`; the root user's MFA checks with what
 * IAM says of the account (none without it: they are not evaluated). Pure.
 */
export function userFindings(report: ParsedReport, now: Date, thresholds: FindingThresholds = DEFAULT_THRESHOLDS, iam?: IamAccount): Finding[] {
  return report.users.flatMap((user) => (user.isRoot ? rootFindings(user, now, thresholds, iam) : iamUserFindings(user, now, thresholds)));
}

/** A check's outcome for an account: it fails, it passes, or what is known cannot decide it. */
export type Verdict = "fails" | "passes" | "undecided";

/** What decides the root user's MFA checks, and the evidence a finding quotes. */
export interface RootMfaVerdict {
  readonly "root-mfa-off": Verdict;
  readonly "root-hardware-mfa-off": Verdict;
  readonly evidence: Readonly<Record<string, string>>;
}

/**
 * The root user's MFA checks (CIS 1.5 and 1.6, Security Hub IAM.9 and IAM.6). IAM's account summary
 * decides when it was read: credentials (a password or keys, inactive ones too) and MFA, and the
 * virtual devices whether that MFA is hardware. Without it the report's root row decides where it
 * can, as CIS 1.5's audit reads it: a password used or a key shows a credential, and `mfa_active`
 * the MFA; a root with no MFA has no hardware MFA either. A root with no credential (centralized
 * root access) cannot sign in: neither fails, as for Security Hub and Prowler. Pure.
 */
export function rootMfaVerdict(root: CredentialUser, iam?: IamAccount): RootMfaVerdict {
  const fromSummary = iam?.root !== undefined;
  // The root row's password_enabled is always not_supported: a password shows only once used.
  const shown = valueOf(root.passwordLastUsed) !== undefined || root.accessKeys.some((k) => k.active || k.lastRotated.present);
  const credentials = fromSummary ? rootHasCredentials(iam!) : shown ? true : undefined;
  const mfa = fromSummary ? iam!.root!.mfaEnabled : root.mfaActive;
  const virtual = iam?.rootVirtualMfa;
  const mfaOff: Verdict = credentials === false || mfa ? "passes" : credentials ? "fails" : "undecided";
  const hardwareOff: Verdict =
    credentials === false || (mfa && virtual === false) ? "passes" : credentials && (!mfa || virtual === true) ? "fails" : "undecided";
  const evidence = fromSummary
    ? {
        ...pick(root, "mfa_active"),
        account_mfa_enabled: iam!.root!.mfaEnabled ? "1" : "0",
        account_password_present: iam!.root!.passwordPresent ? "1" : "0",
        account_access_keys_present: iam!.root!.accessKeysPresent ? "1" : "0",
      }
    : pick(root, "mfa_active", "password_last_used", "access_key_1_active", "access_key_1_last_rotated", "access_key_2_active", "access_key_2_last_rotated");
  return { "root-mfa-off": mfaOff, "root-hardware-mfa-off": hardwareOff, evidence };
}

function rootFindings(root: CredentialUser, now: Date, t: FindingThresholds, iam: IamAccount | undefined): Finding[] {
  const found: Finding[] = [];
  const verdict = rootMfaVerdict(root, iam);
  const noMfa = verdict["root-mfa-off"] === "fails";
  if (noMfa) found.push(finding("root-mfa-off", root, `The root user of ${root.accountId} has credentials and no MFA`, verdict.evidence));
  if (verdict["root-hardware-mfa-off"] === "fails") {
    found.push(
      noMfa
        ? finding("root-hardware-mfa-off", root, `The root user of ${root.accountId} has no MFA device at all, so no hardware one`, verdict.evidence)
        : finding("root-hardware-mfa-off", root, `The root user of ${root.accountId} has a virtual MFA device, not a hardware one`, { ...verdict.evidence, root_virtual_mfa: "true" }),
    );
  }
  // CIS 1.4: no root access key at all, active or not (the report dates an inactive one too). IAM's
  // account summary is CIS 1.4's own audit and newer than a report IAM reused: where it says no key
  // is present, a key the report still shows was deleted since, as for the MFA checks above.
  const keysGone = iam?.root !== undefined && !iam.root.accessKeysPresent;
  const keys = keysGone ? [] : root.accessKeys.filter((k) => k.active || k.lastRotated.present);
  for (const key of keys) {
    const prefix = `access_key_${key.slot}`;
    found.push(
      finding(
        "root-access-key-active",
        root,
        `The root user of ${root.accountId} has an ${key.active ? "active" : "inactive"} access key (${prefix})`,
        { ...pick(root, `${prefix}_active`, `${prefix}_last_rotated`, `${prefix}_last_used_date`), ...(iam?.root ? { account_access_keys_present: iam.root.accessKeysPresent ? "1" : "0" } : {}) },
        prefix as Finding["credential"],
      ),
    );
  }
  // CIS 1.4's own audit is the account summary: a key made since IAM's report (it reuses one for
  // up to four hours) shows there first. The report showed no key, so the new one is in the first
  // slot: the finding takes that slot's id, and the next report's finding of it is the same one,
  // not a resolution and a new finding.
  if (keys.length === 0 && iam?.root?.accessKeysPresent) {
    found.push(
      finding(
        "root-access-key-active",
        root,
        `The root user of ${root.accountId} has an access key, which IAM's account summary reports and this report does not show yet`,
        { ...pick(root, "access_key_1_active", "access_key_2_active"), account_access_keys_present: "1" },
        "access_key_1",
      ),
    );
  }
  const recent = recentUse(root, now, t.rootUseWindowDays);
  if (recent) {
    found.push(finding("root-recently-used", root, `The root user of ${root.accountId} was used ${recent.ago} ago (${recent.column})`, recent.evidence));
  }
  return found;
}

/** The latest use of a user's password or keys when it falls within `windowDays` whole days of `now`, with its evidence. */
export function recentUse(user: CredentialUser, now: Date, windowDays: number): { column: string; ago: string; evidence: Record<string, string> } | undefined {
  const latest = latestUse(user);
  if (!latest) return undefined;
  const ms = now.getTime() - latest.at.getTime();
  if (wholeDays(ms) > windowDays) return undefined;
  return {
    column: latest.column,
    ago: humanAge(ms),
    evidence: { ...pick(user, "password_last_used", "access_key_1_last_used_date", "access_key_2_last_used_date"), days_since_last_use: String(wholeDays(ms)) },
  };
}

/** The latest use of any of a user's credentials (not the first one found), and its column. */
function latestUse(user: CredentialUser): { column: string; at: Date } | undefined {
  const uses = [
    { column: "password_last_used", at: valueOf(user.passwordLastUsed) },
    { column: "access_key_1_last_used_date", at: valueOf(user.accessKeys[0].lastUsed) },
    { column: "access_key_2_last_used_date", at: valueOf(user.accessKeys[1].lastUsed) },
  ].filter((use): use is { column: string; at: Date } => use.at !== undefined);
  return uses.sort((a, b) => b.at.getTime() - a.at.getTime())[0];
}

function iamUserFindings(user: CredentialUser, now: Date, t: FindingThresholds): Finding[] {
  const found: Finding[] = [];
  const name = `${user.user} (${user.accountId})`;
  const hasPassword = valueOf(user.passwordEnabled) === true;
  if (hasPassword && !user.mfaActive) {
    found.push(finding("console-without-mfa", user, `${name} has a console password and no MFA`, pick(user, "password_enabled", "mfa_active")));
  }
  // IAM.19 asks MFA of every user; those with a console password are console-without-mfa's.
  if (t.mfaForEveryUser && !hasPassword && !user.mfaActive) {
    found.push(finding("user-without-mfa", user, `${name} has no MFA`, pick(user, "password_enabled", "mfa_active")));
  }
  if (hasPassword) {
    const unused = unusedFor(now, user.passwordLastUsed, user.passwordLastChanged, user.createdAt);
    if (unused && unused.days >= t.unusedDays) {
      found.push(
        finding(
          "credential-unused",
          user,
          `${name} has a console password ${unused.never ? "never used" : "unused"} for ${humanAge(unused.days * DAY_MS)}`,
          { ...pick(user, "password_enabled", "password_last_used", "password_last_changed", "user_creation_time"), days_unused: String(unused.days) },
          "password",
        ),
      );
    }
  }
  const active = user.accessKeys.filter((k) => k.active);
  for (const key of active) {
    const prefix = `access_key_${key.slot}` as const;
    const fields = pick(user, `${prefix}_active`, `${prefix}_last_rotated`, `${prefix}_last_used_date`);
    const rotated = valueOf(key.lastRotated);
    const age = rotated && wholeDays(now.getTime() - rotated.getTime());
    if (age !== undefined && age > t.maxKeyAgeDays) {
      found.push(finding("access-key-old", user, `${name} has an active access key (${prefix}) ${humanAge(age * DAY_MS)} old`, { ...fields, age_days: String(age) }, prefix));
    }
    const unused = unusedFor(now, key.lastUsed, key.lastRotated);
    if (unused && unused.days >= t.unusedDays) {
      found.push(
        finding(
          "credential-unused",
          user,
          `${name} has an active access key (${prefix}) ${unused.never ? "never used" : "unused"} for ${humanAge(unused.days * DAY_MS)}`,
          { ...fields, days_unused: String(unused.days) },
          prefix,
        ),
      );
    }
    const created = valueOf(user.createdAt);
    // CIS 1.11 is "for all IAM users that have a console password": a service user's key, made
    // with the user, is how such users are meant to be set up.
    if (hasPassword && !key.lastUsed.present && rotated && created && Math.abs(rotated.getTime() - created.getTime()) <= WITH_USER_MS) {
      found.push(
        finding(
          "key-created-with-user-unused",
          user,
          `${name} has an access key (${prefix}) made with the user and never used`,
          { ...fields, user_creation_time: user.raw.user_creation_time },
          prefix,
        ),
      );
    }
  }
  if (active.length === 2) {
    found.push(finding("both-keys-active", user, `${name} has two active access keys`, pick(user, "access_key_1_active", "access_key_2_active")));
  }
  return found;
}

/** Days since a credential was last used or, never used, since it was made (the first date IAM has). */
function unusedFor(now: Date, lastUsed: Field<Date>, ...madeAt: Field<Date>[]): { days: number; never: boolean } | undefined {
  const used = valueOf(lastUsed);
  const since = used ?? madeAt.map(valueOf).find((d) => d !== undefined);
  if (!since) return undefined;
  return { days: wholeDays(now.getTime() - since.getTime()), never: used === undefined };
}

/** The account's password policy against CIS 1.8 and 1.9; an account without one fails both. Pure. */
export function passwordPolicyFindings(accountId: string, iam: IamAccount | undefined, t: FindingThresholds = DEFAULT_THRESHOLDS): Finding[] {
  if (!iam || iam.passwordPolicy === undefined) return [];
  const policy = iam.passwordPolicy;
  const evidence: Record<string, string> = policy
    ? { minimum_password_length: String(policy.minimumLength), password_reuse_prevention: policy.reusePrevention === null ? "none" : String(policy.reusePrevention) }
    : { password_policy: "none" };
  const found: Finding[] = [];
  if (!policy || policy.minimumLength < t.minPasswordLength) {
    const what = policy ? `allows passwords of ${policy.minimumLength} characters` : "has no password policy";
    found.push(accountFinding("password-policy-short", accountId, `${accountId} ${what} (at least ${t.minPasswordLength} wanted)`, evidence));
  }
  if (!policy || policy.reusePrevention === null || policy.reusePrevention < t.passwordReusePrevention) {
    const what = !policy ? "has no password policy" : policy.reusePrevention === null ? "lets a password be reused" : `remembers only ${policy.reusePrevention} earlier password(s)`;
    found.push(accountFinding("password-policy-reuse", accountId, `${accountId} ${what} (${t.passwordReusePrevention} wanted)`, evidence));
  }
  return found;
}

/** A finding about the account rather than a user. */
function accountFinding(checkId: CheckId, accountId: string, message: string, evidence: Record<string, string>): Finding {
  const check = CHECKS[checkId];
  return { id: `${accountId}/${checkId}`, checkId, severity: check.severity, cisControl: check.cisControl, accountId, user: "", evidence, message };
}

/** A report generated too long before the run: IAM served an old one, so the findings may be out of date. */
export function reportStaleFinding(accountId: string, generatedAt: Date | undefined, runStartedAt: Date, t: FindingThresholds = DEFAULT_THRESHOLDS): Finding | undefined {
  if (!generatedAt) return undefined;
  const hours = (runStartedAt.getTime() - generatedAt.getTime()) / 3_600_000;
  if (hours <= t.maxReportAgeHours) return undefined;
  return accountFinding(
    "report-stale",
    accountId,
    `The credential report of ${accountId} was generated ${humanAge(runStartedAt.getTime() - generatedAt.getTime())} before the run`,
    { generated_time: generatedAt.toISOString(), run_started_at: runStartedAt.toISOString(), age_hours: String(Math.floor(hours)) },
  );
}
