import { CHECKS, type CheckId, type Finding, ROOT_USER } from "./findings";

/**
 * How a rule names the account itself, for the checks about the account rather than a user
 * (the password policy, a stale report): their findings have no user.
 */
export const ACCOUNT_USER = "<account>";

/**
 * A known exception: findings of one check, in one account or all, for users whose name matches,
 * accepted for a reason by an owner until a day. After that day the rule stops applying.
 */
export interface ExceptionRule extends RuleScope {
  readonly check: CheckId;
}

/**
 * Users kept for emergencies. Being unused is their purpose, so their credential-unused findings
 * are accepted; any use of their credentials in the use window, and a missing MFA, are high findings
 * (break-glass.ts). Like any rule, it stops applying after its day.
 */
export interface BreakGlassRule extends RuleScope {
  readonly kind: "break-glass";
}

export type AcceptedRisk = ExceptionRule | BreakGlassRule;

/** Who a rule is about, why, whose it is and until when. */
interface RuleScope {
  /** A 12-digit account id, or "*" for every account. */
  readonly account: string;
  /**
   * A user name, or a pattern where * stands for any characters; "<root_account>" is the root user
   * (as the credential report names it), "<account>" the account itself (its password policy, its report).
   */
  readonly user: string;
  readonly reason: string;
  readonly owner: string;
  /** The last day (UTC, YYYY-MM-DD) the rule applies. */
  readonly expires: string;
}

/** A finding an accepted risk covers: it stays in findings.json, out of alerts and open counts. */
export interface AcceptedFinding {
  readonly finding: Finding;
  readonly rule: AcceptedRisk;
}

/** The accepted risks as one run applies them. */
export interface RiskDecisions {
  /** Findings no rule covers: the ones counted and alerted on. */
  readonly open: readonly Finding[];
  readonly accepted: readonly AcceptedFinding[];
  /** Rules past their day: they covered nothing this run. */
  readonly expired: readonly AcceptedRisk[];
  /** Rules in force that matched no finding: fixed meanwhile, or written wrong. */
  readonly stale: readonly AcceptedRisk[];
}

/** A file of accepted risks with problems; the message names every one. */
export class InvalidAcceptedRisks extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: ${problems.length} problem${problems.length === 1 ? "" : "s"} in the accepted risks:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "InvalidAcceptedRisks";
  }
}

const FIELDS = ["kind", "check", "account", "user", "reason", "owner", "expires"] as const;
const KINDS = ["exception", "break-glass"];

/** The checks a break-glass rule accepts for its users: they are meant to sit unused. */
export const BREAK_GLASS_ACCEPTS: readonly CheckId[] = ["credential-unused"];

/** Where a rule's field was written, for problems to name: "line 12" of the file. */
export type PlaceOf = (index: number, field?: string) => string | undefined;

/**
 * The accepted risks of a parsed document (`{acceptedRisks: [...]}`), each rule checked. Pure; throws
 * InvalidAcceptedRisks, each problem led by its place in the file when `placeOf` knows it.
 */
export function acceptedRisksOf(document: unknown, source: string, placeOf: PlaceOf = () => undefined): AcceptedRisk[] {
  const list = (document as { acceptedRisks?: unknown } | null)?.acceptedRisks;
  if (!Array.isArray(list)) throw new InvalidAcceptedRisks(source, ["acceptedRisks must be a list of rules"]);
  const problems: string[] = [];
  const rules = list.map((raw: unknown, i): AcceptedRisk => {
    const rule = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
    const problem = (key: string, text: string) => {
      const place = placeOf(i, key in rule ? key : undefined);
      problems.push(`${place ? `${place}: ` : ""}acceptedRisks[${i}].${key} ${text}`);
    };
    for (const key of Object.keys(rule).filter((k) => !(FIELDS as readonly string[]).includes(k))) problem(key, `is not a field of a rule (${FIELDS.join(", ")})`);
    const field = (key: Exclude<(typeof FIELDS)[number], "kind">, hint = "") => {
      const value = rule[key];
      if (typeof value === "string" && value.trim() !== "") return value.trim();
      problem(key, `is required (text)${hint}, got ${JSON.stringify(value ?? null)}`);
      return "";
    };
    const kind = rule.kind ?? "exception";
    if (!KINDS.includes(kind as string)) problem("kind", `must be "exception" (the default) or "break-glass", got ${JSON.stringify(kind)}`);
    const breakGlass = kind === "break-glass";
    if (breakGlass && rule.check !== undefined) problem("check", `must be left out of a break-glass rule (it covers the user, not one check), got ${JSON.stringify(rule.check)}`);
    const check = breakGlass ? "" : field("check");
    // Own properties only: "constructor" or "toString" is no check.
    if (check && !Object.hasOwn(CHECKS, check)) problem("check", `must be one of ${Object.keys(CHECKS).join(", ")}, got ${JSON.stringify(check)}`);
    const account = field("account");
    if (account && !/^(\d{12}|\*)$/.test(account)) problem("account", `must be a 12-digit account id or "*", got ${JSON.stringify(account)}`);
    const expires = typeof rule.expires === "string" ? rule.expires.trim() : "";
    if (!isDay(expires)) problem("expires", `must be a day of the calendar (YYYY-MM-DD), got ${JSON.stringify(rule.expires ?? null)}`);
    // A rule whose user its check's findings never have would match nothing, silently: say so now.
    const about = check && Object.hasOwn(CHECKS, check) ? CHECKS[check as CheckId].about : "user";
    const userForm = about === "account" ? `: "${ACCOUNT_USER}" for ${check}, which is about the account itself` : about === "root" ? `: "${ROOT_USER}" for ${check}` : "";
    const scope = { account, user: field("user", userForm), reason: field("reason"), owner: field("owner"), expires };
    const names = nameMatcher(scope.user);
    if (scope.user && about === "account" && scope.user !== ACCOUNT_USER && scope.user !== "*") {
      problem("user", `must be "${ACCOUNT_USER}" (or "*"): ${check} is about the account itself, not a user, got ${JSON.stringify(scope.user)}`);
    } else if (scope.user && about === "root" && !names(ROOT_USER)) {
      problem("user", `must be "${ROOT_USER}" (or "*"): ${check} is about the root user, got ${JSON.stringify(scope.user)}`);
    } else if (scope.user === ACCOUNT_USER && about === "user") {
      const accountChecks = Object.entries(CHECKS).filter(([, c]) => c.about === "account").map(([id]) => id);
      problem("user", `"${ACCOUNT_USER}" is for the checks about the account itself (${accountChecks.join(", ")}), not ${breakGlass ? "a break-glass rule" : check}`);
    }
    return breakGlass ? { kind: "break-glass", ...scope } : { check: check as CheckId, ...scope };
  });
  if (problems.length > 0) throw new InvalidAcceptedRisks(source, problems);
  return rules;
}

/** Which findings the rules in force cover, which rules expired, which matched nothing. Pure. */
export function applyAcceptedRisks(findings: readonly Finding[], rules: readonly AcceptedRisk[], runStartedAt: Date): RiskDecisions {
  const inForce = rulesInForce(rules, runStartedAt);
  const matchers = inForce.map((rule) => ({ rule, matches: userMatcher(rule) }));
  const used = new Set<AcceptedRisk>();
  const open: Finding[] = [];
  const accepted: AcceptedFinding[] = [];
  for (const finding of findings) {
    const rule = matchers.find((m) => accepts(m.rule, finding) && m.matches(finding.accountId, finding.user))?.rule;
    if (rule) {
      used.add(rule);
      accepted.push({ finding, rule });
    } else {
      open.push(finding);
      // A break-glass rule is in use when its findings are there too, open as they are.
      const breakGlass = finding.checkId.startsWith("break-glass-") && matchers.find((m) => "kind" in m.rule && m.matches(finding.accountId, finding.user));
      if (breakGlass) used.add(breakGlass.rule);
    }
  }
  return { open, accepted, expired: rules.filter((rule) => !inForce.includes(rule)), stale: inForce.filter((rule) => !used.has(rule)) };
}

/**
 * A warning for each exception rule that accepts named users' findings in every account: a user
 * name is chosen by whoever administers the account, so any member account (a compromised one
 * first) can create a user of that name and have its findings of the check accepted. Not for "*"
 * (it already covers every user, whatever their name), the root user (no account names it) or the
 * checks about root or the account (their findings have no user a member can create); nor for
 * break-glass rules, whose users' use and missing MFA are high findings. Pure.
 */
export function everyAccountWarnings(rules: readonly AcceptedRisk[]): string[] {
  return rules.flatMap((rule, i) => {
    if ("kind" in rule || rule.account !== "*" || CHECKS[rule.check].about !== "user" || /^\*+$/.test(rule.user) || rule.user === ROOT_USER) return [];
    return [
      `acceptedRisks[${i}] (${rule.check} for user ${JSON.stringify(rule.user)}, owner ${rule.owner}) applies in every account (account "*"): ` +
        `any member account can create a user of that name and have its ${rule.check} findings accepted. ` +
        `Name the accounts the user belongs to instead: one rule per 12-digit account id (a rule takes no OU).`,
    ];
  });
}

/** What a rule covers: its check, or "break-glass" for a break-glass rule. */
export function ruleSubject(rule: AcceptedRisk): string {
  return "kind" in rule ? "break-glass" : rule.check;
}

/** The rules whose last day is not before the run's day. */
export function rulesInForce<R extends AcceptedRisk>(rules: readonly R[], runStartedAt: Date): R[] {
  const today = runStartedAt.toISOString().slice(0, 10);
  return rules.filter((rule) => rule.expires >= today);
}

/** Whether a rule is about a user of an account. */
export type UserMatcher = (accountId: string, user: string) => boolean;

/** Whether a rule is about a user of an account. */
export function userMatcher(rule: AcceptedRisk): UserMatcher {
  // The account's own findings have no user name.
  const matches = rule.user === ACCOUNT_USER ? (name: string) => name === "" : nameMatcher(rule.user);
  return (accountId, name) => (rule.account === "*" || rule.account === accountId) && matches(name);
}

function accepts(rule: AcceptedRisk, finding: Finding): boolean {
  return "kind" in rule ? BREAK_GLASS_ACCEPTS.includes(finding.checkId) : rule.check === finding.checkId;
}

/**
 * A `*` pattern as a matcher in linear time: the first part is a prefix, the last a suffix, and
 * each part between is taken at its first place after the one before (the leftmost place leaves
 * the most room for the rest, so no other place needs trying). A regular expression of `.*` runs
 * would backtrack: `*a*a*a*b` against a long name of a's takes polynomial time.
 */
export function nameMatcher(pattern: string): (name: string) => boolean {
  const parts = pattern.split("*");
  if (parts.length === 1) return (name) => name === pattern;
  const first = parts[0];
  const last = parts[parts.length - 1];
  const middle = parts.slice(1, -1);
  return (name) => {
    if (name.length < first.length + last.length || !name.startsWith(first) || !name.endsWith(last)) return false;
    let at = first.length;
    const end = name.length - last.length;
    for (const part of middle) {
      const found = name.indexOf(part, at);
      if (found < 0 || found + part.length > end) return false;
      at = found + part.length;
    }
    return true;
  };
}

function isDay(text: string): boolean {
  const day = new Date(`${text}T00:00:00Z`);
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(day.getTime()) && day.toISOString().startsWith(text);
}
