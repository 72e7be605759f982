import { parse } from "yaml";
import { CHECKS, type CheckId, type Finding } from "./findings";

/**
 * A known exception: findings of one check, in one account or all, for users whose name matches,
 * accepted for a reason by an owner until a day. After that day the rule stops applying.
 */
export interface AcceptedRisk {
  readonly check: CheckId;
  /** A 12-digit account id, or "*" for every account. */
  readonly account: string;
  /** A user name, or a pattern where * stands for any characters ("<root_account>" is the root user). */
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

const FIELDS = ["check", "account", "user", "reason", "owner", "expires"] as const;

/**
 * Reads accepted risks from YAML or JSON: `acceptedRisks:` and a list of rules, each with every
 * field of AcceptedRisk. Pure; throws InvalidAcceptedRisks naming each problem by its place.
 */
export function parseAcceptedRisks(text: string, source: string): AcceptedRisk[] {
  let document: unknown;
  try {
    document = parse(text);
  } catch (err) {
    throw new InvalidAcceptedRisks(source, [`not YAML or JSON: ${(err as Error).message.split("\n")[0]}`]);
  }
  const list = (document as { acceptedRisks?: unknown } | null)?.acceptedRisks;
  if (!Array.isArray(list)) throw new InvalidAcceptedRisks(source, ["acceptedRisks must be a list of rules"]);
  const problems: string[] = [];
  const rules = list.map((raw: unknown, i): AcceptedRisk => {
    const at = `acceptedRisks[${i}]`;
    const rule = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
    for (const key of Object.keys(rule).filter((k) => !(FIELDS as readonly string[]).includes(k))) problems.push(`${at}.${key} is not a field of a rule (${FIELDS.join(", ")})`);
    const field = (key: (typeof FIELDS)[number]) => {
      const value = rule[key];
      if (typeof value === "string" && value.trim() !== "") return value.trim();
      problems.push(`${at}.${key} is required (text), got ${JSON.stringify(value ?? null)}`);
      return "";
    };
    const check = field("check");
    if (check && !(check in CHECKS)) problems.push(`${at}.check must be one of ${Object.keys(CHECKS).join(", ")}, got ${JSON.stringify(check)}`);
    const account = field("account");
    if (account && !/^(\d{12}|\*)$/.test(account)) problems.push(`${at}.account must be a 12-digit account id or "*", got ${JSON.stringify(account)}`);
    // YAML reads an unquoted 2027-03-31 as a date: take it as the day it names.
    const expiresRaw = rule.expires instanceof Date ? rule.expires.toISOString().slice(0, 10) : rule.expires;
    const expires = typeof expiresRaw === "string" ? expiresRaw.trim() : "";
    if (!isDay(expires)) problems.push(`${at}.expires must be a day (YYYY-MM-DD), got ${JSON.stringify(expiresRaw ?? null)}`);
    return { check: check as CheckId, account, user: field("user"), reason: field("reason"), owner: field("owner"), expires };
  });
  if (problems.length > 0) throw new InvalidAcceptedRisks(source, problems);
  return rules;
}

/** Which findings the rules in force cover, which rules expired, which matched nothing. Pure. */
export function applyAcceptedRisks(findings: readonly Finding[], rules: readonly AcceptedRisk[], runStartedAt: Date): RiskDecisions {
  const today = runStartedAt.toISOString().slice(0, 10);
  const inForce = rules.filter((rule) => rule.expires >= today);
  // Each rule's user pattern is compiled once: a large organization has hundreds of thousands of findings.
  const matchers = inForce.map((rule) => ({ rule, user: namePattern(rule.user) }));
  const used = new Set<AcceptedRisk>();
  const open: Finding[] = [];
  const accepted: AcceptedFinding[] = [];
  for (const finding of findings) {
    const rule = matchers.find((m) => covers(m.rule, m.user, finding))?.rule;
    if (rule) {
      used.add(rule);
      accepted.push({ finding, rule });
    } else {
      open.push(finding);
    }
  }
  return { open, accepted, expired: rules.filter((rule) => rule.expires < today), stale: inForce.filter((rule) => !used.has(rule)) };
}

function covers(rule: AcceptedRisk, user: RegExp, finding: Finding): boolean {
  return rule.check === finding.checkId && (rule.account === "*" || rule.account === finding.accountId) && user.test(finding.user);
}

function namePattern(pattern: string): RegExp {
  return new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
}

function isDay(text: string): boolean {
  const day = new Date(`${text}T00:00:00Z`);
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(day.getTime()) && day.toISOString().startsWith(text);
}
