/**
 * Pure checks for single config values. Each returns a problem that names the key, the value and
 * what is allowed, or undefined when the value is fine.
 */
import { readWholeNumber, wholeNumberProblem } from "../../functions/whole-number";
import { scheduleGaps } from "./schedule-gaps";

/** One config problem, e.g. `scheduleHour must be a whole number from 0 to 23, got "24"`. */
export function problem(key: string, allowed: string, value: unknown): string {
  return `${key} must be ${allowed}, got ${JSON.stringify(value)}`;
}

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
export const ROOT_ID = /^r-[0-9a-z]{4,32}$/;
// IAM role names: 1-64 of letters, digits and +=,.@_-
export const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
// An IAM role or user, as aws:PrincipalArn names it (a role's path included).
export const ROLE_OR_USER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/;
// A key ARN, not an alias: IAM and key-policy grants need the key itself. Key ids are UUIDs, or
// mrk- and 32 hex digits for a multi-Region key.
export const KMS_KEY_ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]|aws-eusc):kms:([a-z]{2}(-[a-z]+)+-\d):(\d{12}):key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;
// General purpose bucket names: 3-63 of lowercase letters, digits, dots and hyphens.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d+\.\d+\.\d+\.\d+$/;
// S3 keeps these for its own kinds of names (general purpose bucket naming rules).
const RESERVED_BUCKET_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_BUCKET_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];
/** AWS allows at most 50 user tags on a resource. */
export const MAX_TAGS = 50;
// Tag keys and values: letters, digits and spaces in any script, and _ . : / = + - @
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/** Glue (and so Athena) database names: at most 255 characters. */
export const GLUE_DATABASE_NAME_MAX = 255;

/** A whole number in [min, max] written as text, or a problem quoting the text. */
export function wholeNumber(key: string, raw: string, min: number, max: number): { value?: number; problem?: string } {
  const value = readWholeNumber(raw);
  if (value === undefined || wholeNumberProblem(key, value, min, max)) return { problem: problem(key, `a whole number from ${min} to ${max}`, raw) };
  return { value };
}

export function booleanValue(key: string, raw: string): { value?: boolean; problem?: string } {
  if (raw === "true" || raw === "false") return { value: raw === "true" };
  return { problem: problem(key, "true or false", raw) };
}

/** A list given as a JSON array (structured config) or as comma-separated text (`pulumi config set`). */
export function stringList(key: string, raw: string): { value?: string[]; problem?: string } {
  if (raw.trim().startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (Array.isArray(parsed) && parsed.every((item) => typeof item === "string")) return { value: parsed.map((s) => s.trim()) };
    } catch {
      // reported below
    }
    return { problem: problem(key, "a list of strings (a JSON array or comma-separated text)", raw) };
  }
  return { value: raw.split(",").map((item) => item.trim()).filter(Boolean) };
}

/**
 * AWS tags: a JSON object of at most 50 text values; keys 1-128 characters, values up to 256, both
 * of letters, digits, spaces and _ . : / = + - @, and no key starting with "aws:".
 */
export function tagMap(key: string, raw: string): { value?: Record<string, string>; problem?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { problem: problem(key, "a map of tag names to values", raw) };
  }
  const entries = Object.entries(parsed);
  if (entries.length > MAX_TAGS) {
    return { problem: `${key} must hold at most ${MAX_TAGS} tags (AWS's limit per resource), got ${entries.length}` };
  }
  for (const [name, value] of entries) {
    if (typeof value !== "string" || name.length < 1 || name.length > 128 || value.length > 256 || name.toLowerCase().startsWith("aws:")) {
      return {
        problem: problem(key, "tags with names of 1-128 characters not starting with \"aws:\" and text values up to 256 characters", { [name]: value }),
      };
    }
    if (!TAG_TEXT.test(name) || !TAG_TEXT.test(value)) {
      return { problem: problem(key, "tags of letters, digits, spaces and _ . : / = + - @ only", { [name]: value }) };
    }
  }
  return { value: parsed as Record<string, string> };
}

export function principalArnProblems(key: string, arns: readonly string[]): string[] {
  return arns.filter((arn) => !ROLE_OR_USER_ARN.test(arn)).map((arn) => problem(key, "a list of IAM role or user ARNs (arn:aws:iam::<account>:role/<name>)", arn));
}

export function emailProblems(key: string, emails: readonly string[]): string[] {
  const problems = emails.filter((email) => !EMAIL.test(email)).map((email) => problem(key, "a list of email addresses", email));
  // Each address is one subscription named after it, so two spellings of one address would
  // collide (SNS, like mail servers in practice, does not tell the letter cases apart).
  const byAddress = new Map<string, string[]>();
  for (const email of emails) byAddress.set(email.toLowerCase(), [...(byAddress.get(email.toLowerCase()) ?? []), email]);
  for (const spellings of byAddress.values()) {
    if (spellings.length > 1) {
      problems.push(`${key} must list each address once (letter case aside), got ${spellings.map((e) => JSON.stringify(e)).join(" and ")}`);
    }
  }
  return problems;
}

export function bucketNameProblem(key: string, name: string): string | undefined {
  const allowed = "an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit)";
  if (!BUCKET_NAME.test(name) || name.includes("..") || IP_ADDRESS.test(name)) return problem(key, allowed, name);
  if (name.includes(".-") || name.includes("-.")) return problem(key, `${allowed} with no dot next to a hyphen`, name);
  const prefix = RESERVED_BUCKET_PREFIXES.find((reserved) => name.startsWith(reserved));
  const suffix = RESERVED_BUCKET_SUFFIXES.find((reserved) => name.endsWith(reserved));
  if (prefix || suffix) {
    return problem(key, `a bucket name that does not ${prefix ? `start with "${prefix}"` : `end with "${suffix}"`} (S3 reserves it)`, name);
  }
  return undefined;
}

export function scheduleExpressionProblem(key: string, expression: string): string | undefined {
  const allowed = 'an EventBridge Scheduler expression such as "cron(0 8 * * ? *)" or "rate(1 day)"';
  const why = recurringExpressionProblem(expression);
  return why === undefined ? undefined : `${problem(key, allowed, expression)} (${why})`;
}

/** A valid schedule that may start a run while the one before is still going, or undefined. */
export function overlapProblem(expression: string, timezone: string, runTimeoutMinutes: number): string | undefined {
  const { shortestSeconds } = scheduleGaps(expression, timezone);
  if (shortestSeconds >= runTimeoutMinutes * 60) return undefined;
  return (
    `scheduleExpression must leave runTimeoutMinutes (${runTimeoutMinutes}) or more between two starts, got ${JSON.stringify(expression)}, ` +
    `which starts runs ${shortestSeconds / 60} minutes apart (two runs would overlap: schedule runs less often, or lower runTimeoutMinutes)`
  );
}

/** What is wrong with an EventBridge Scheduler rate() or cron() expression, or undefined. */
function recurringExpressionProblem(expression: string): string | undefined {
  const rate = /^rate\((\d+) ([a-z]+)\)$/.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    if (value < 1) return "a rate must be 1 or more";
    const unit = value === 1 ? ["minute", "hour", "day"] : ["minutes", "hours", "days"];
    return unit.includes(rate[2]) ? undefined : `rate(${value} ...) takes ${unit.join(", ")}`;
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (!cron) return 'it must be rate(...) or cron(...); at(...) would run only once';
  const fields = cron[1].split(" ");
  if (fields.length !== 6) return "cron takes six fields: minutes hours day-of-month month day-of-week year";
  for (const [i, field] of fields.entries()) {
    const bad = cronFieldProblem(CRON_FIELDS[i], field);
    if (bad) return bad;
  }
  const [, , dayOfMonth, , dayOfWeek] = fields;
  if ((dayOfMonth === "?") === (dayOfWeek === "?")) return "exactly one of day-of-month and day-of-week must be ?";
  return undefined;
}

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Special forms beside numbers, ranges, lists and steps. */
  readonly special?: RegExp;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

// The six fields of EventBridge's cron, as the Scheduler documentation lists them.
const CRON_FIELDS: readonly CronField[] = [
  { name: "minutes", min: 0, max: 59 },
  { name: "hours", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31, special: /^(\?|L|LW|\d{1,2}W)$/ },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day-of-week", min: 1, max: 7, names: WEEKDAYS, special: /^(\?|L|[1-7]L|[A-Z]{3}L|[1-7]#[1-5]|[A-Z]{3}#[1-5])$/ },
  { name: "year", min: 1970, max: 2199 },
];

function cronFieldProblem(field: CronField, text: string): string | undefined {
  const outOf = `${field.name} must be ${field.min}-${field.max}${field.names ? ` or ${field.names[0]}-${field.names[field.names.length - 1]}` : ""}`;
  const value = (part: string) => {
    const named = field.names?.indexOf(part.toUpperCase()) ?? -1;
    const n = named >= 0 ? named + 1 : /^\d+$/.test(part) ? Number(part) : Number.NaN;
    return n >= field.min && n <= field.max;
  };
  for (const item of text.split(",")) {
    if (item === "*" || field.special?.test(item.toUpperCase())) continue;
    const [range, step, ...extra] = item.split("/");
    if (extra.length > 0 || (step !== undefined && !/^[1-9]\d*$/.test(step))) return `${outOf}, got "${text}"`;
    if (range === "*" && step !== undefined) continue;
    const bounds = range.split("-");
    if (bounds.length > 2 || !bounds.every(value)) return `${outOf}, got "${text}"`;
  }
  return undefined;
}

export function timezoneProblem(key: string, timezone: string): string | undefined {
  try {
    new Intl.DateTimeFormat("en", { timeZone: timezone });
    return undefined;
  } catch {
    return problem(key, 'an IANA time zone such as "UTC" or "Europe/Paris"', timezone);
  }
}

/** The daily schedule at a UTC hour, in EventBridge Scheduler's cron syntax. */
export function dailyAt(hour: number): string {
  return `cron(0 ${hour} * * ? *)`;
}
