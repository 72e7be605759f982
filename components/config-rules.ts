/**
 * Pure checks for single config values. Each returns a problem that names the key, the value and
 * what is allowed, or undefined when the value is fine.
 */

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
// A key ARN, not an alias: IAM and key-policy grants need the key itself.
export const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[a-zA-Z0-9-]+$/;
const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;
// General purpose bucket names: 3-63 of lowercase letters, digits, dots and hyphens.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d+\.\d+\.\d+\.\d+$/;
// EventBridge Scheduler's recurring forms; "at(...)" would run once, which a daily job is not.
const SCHEDULE_EXPRESSION = /^(cron\(\S+( \S+){5}\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/;

/** A whole number in [min, max] written as text, or a problem. */
export function wholeNumber(key: string, raw: string, min: number, max: number): { value?: number; problem?: string } {
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || value < min || value > max) {
    return { problem: problem(key, `a whole number from ${min} to ${max}`, raw) };
  }
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

/** AWS tags: a JSON object of strings; keys 1-128 characters and not "aws:", values up to 256. */
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
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== "string" || name.length < 1 || name.length > 128 || value.length > 256 || name.toLowerCase().startsWith("aws:")) {
      return {
        problem: problem(key, "tags with names of 1-128 characters not starting with \"aws:\" and text values up to 256 characters", { [name]: value }),
      };
    }
  }
  return { value: parsed as Record<string, string> };
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
  if (BUCKET_NAME.test(name) && !name.includes("..") && !IP_ADDRESS.test(name)) return undefined;
  return problem(key, "an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit)", name);
}

export function scheduleExpressionProblem(key: string, expression: string): string | undefined {
  if (SCHEDULE_EXPRESSION.test(expression)) return undefined;
  return problem(key, 'an EventBridge Scheduler expression such as "cron(0 8 * * ? *)" or "rate(1 day)"', expression);
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
