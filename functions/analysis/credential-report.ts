import { parse } from "csv-parse/sync";
import { PipelineError } from "../run/errors";

/** Why a report field holds no value, as IAM writes it. */
export type AbsentReason = "N/A" | "not_supported" | "no_information";
const ABSENT_REASONS: readonly string[] = ["N/A", "not_supported", "no_information"];

/** A report field: a value, or the reason IAM gave for not having one. */
export type Field<T> = { readonly present: true; readonly value: T } | { readonly present: false; readonly reason: AbsentReason };

/** One access key of a user (IAM reports two slots per user, used or not). */
export interface AccessKeyState {
  readonly slot: 1 | 2;
  readonly active: boolean;
  /** When the key was created or last rotated. */
  readonly lastRotated: Field<Date>;
  readonly lastUsed: Field<Date>;
  readonly lastUsedRegion: Field<string>;
  readonly lastUsedService: Field<string>;
}

/** One row of a credential report, typed. */
export interface CredentialUser {
  readonly accountId: string;
  readonly user: string;
  readonly arn: string;
  /** The `<root_account>` row. */
  readonly isRoot: boolean;
  readonly createdAt: Field<Date>;
  /** The root user's may be `not_supported`. */
  readonly passwordEnabled: Field<boolean>;
  readonly passwordLastUsed: Field<Date>;
  readonly passwordLastChanged: Field<Date>;
  readonly mfaActive: boolean;
  readonly accessKeys: readonly [AccessKeyState, AccessKeyState];
  /** The row as IAM wrote it, by column: the evidence findings quote. */
  readonly raw: Readonly<Record<string, string>>;
}

/** A parsed report: its header as IAM wrote it, the raw rows by column, and the typed users. */
export interface ParsedReport {
  readonly accountId: string;
  readonly columns: readonly string[];
  readonly rows: readonly Readonly<Record<string, string>>[];
  readonly users: readonly CredentialUser[];
}

export const ROOT_USER = "<root_account>";

/** The columns of a credential report as IAM writes them today, in order. */
export const CREDENTIAL_REPORT_COLUMNS = [
  "user",
  "arn",
  "user_creation_time",
  "password_enabled",
  "password_last_used",
  "password_last_changed",
  "password_next_rotation",
  "mfa_active",
  ...[1, 2].flatMap((slot) =>
    ["active", "last_rotated", "last_used_date", "last_used_region", "last_used_service"].map((field) => `access_key_${slot}_${field}`),
  ),
  "cert_1_active",
  "cert_1_last_rotated",
  "cert_2_active",
  "cert_2_last_rotated",
] as const;

/** The columns the analysis reads; others (added by AWS later) are kept but not needed. */
const REQUIRED_COLUMNS = CREDENTIAL_REPORT_COLUMNS.filter((c) => c !== "password_next_rotation" && !c.startsWith("cert_"));

/** The stored object is not a credential report, or a row of it cannot be read. */
export class MalformedReport extends PipelineError {
  constructor(accountId: string, detail: string) {
    super("MalformedReport", "MalformedReport", `the report of account ${accountId} is not a readable credential report: ${detail}`);
  }
}

/**
 * Parses an IAM credential report. Columns are found by header name, so a column AWS adds later
 * does not shift the others.
 *
 * The user name and the ARN may hold commas (IAM allows `,` in names) and the ARN's path any
 * printable ASCII, quotes too; a writer may quote them or not (moto does not). Every other field
 * (dates, true/false, N/A, regions, service names) never holds a comma or a quote. So a row is read
 * as CSV when that gives a consistent user and ARN, and otherwise from its commas: the other
 * fields counted from the row's ends, the ARN where the first `arn:` starts (a user name holds no
 * colon), checked to end with the user's name. Names and paths hold no line breaks: a row is a line.
 */
export function parseCredentialReport(accountId: string, csv: string): ParsedReport {
  const [headerLine, ...lines] = csv.replace(/^\uFEFF/, "").split(/\r?\n/);
  const columns = headerLine ? strictCsv(headerLine) ?? [] : [];
  const missing = REQUIRED_COLUMNS.filter((column) => !columns.includes(column));
  if (missing.length > 0) throw new MalformedReport(accountId, `missing column${missing.length === 1 ? "" : "s"} ${missing.join(", ")}`);
  const layout = { count: columns.length, user: columns.indexOf("user"), arn: columns.indexOf("arn") };
  if (layout.arn < layout.user) throw new MalformedReport(accountId, "the arn column comes before the user column");
  const rows: Record<string, string>[] = [];
  lines.forEach((line, index) => {
    if (line === "") return;
    const fields = (line.includes('"') ? quotedFields(line, layout) : undefined) ?? unquotedFields(line, layout);
    if (!fields) throw new MalformedReport(accountId, `line ${index + 2} is not a row of ${columns.length} fields with a user and its ARN`);
    rows.push(Object.fromEntries(columns.map((column, i) => [column, fields[i]])));
  });
  return { accountId, columns, rows, users: rows.map((row, index) => toUser(accountId, row, index + 2)) };
}

/** How many columns a report has, and where its user and ARN are. */
interface RowLayout {
  readonly count: number;
  readonly user: number;
  readonly arn: number;
}

/** An ARN of a user or of the root user (its characters are not judged: a tampered report is still shown, escaped). */
const USER_ARN = /^arn:[a-z-]+:iam::\d{12}:(root|user\/.+)$/;

function isUserArn(user: string, arn: string): boolean {
  if (!USER_ARN.test(arn)) return false;
  return user === ROOT_USER ? arn.endsWith(":root") : user !== "" && !user.includes(":") && arn.endsWith(`/${user}`);
}

/** The row as RFC 4180 CSV, when that reads as the header's fields with a consistent user and ARN. */
function quotedFields(line: string, layout: RowLayout): string[] | undefined {
  const fields = strictCsv(line);
  return fields?.length === layout.count && isUserArn(fields[layout.user], fields[layout.arn]) ? fields : undefined;
}

/** The row written without quotes: the commas beyond the header's belong to the user and the ARN. */
function unquotedFields(line: string, layout: RowLayout): string[] | undefined {
  const parts = line.split(",");
  const afterArn = layout.count - layout.arn - 1;
  const between = layout.arn - layout.user - 1;
  const middle = parts.slice(layout.user, parts.length - afterArn);
  const arnAt = middle.findIndex((part) => part.startsWith("arn:"));
  const userParts = arnAt - between;
  if (parts.length < layout.count || userParts < 1) return undefined;
  const user = middle.slice(0, userParts).join(",");
  const arn = middle.slice(arnAt).join(",");
  if (!isUserArn(user, arn)) return undefined;
  return [...parts.slice(0, layout.user), user, ...middle.slice(userParts, arnAt), arn, ...parts.slice(parts.length - afterArn)];
}

/** One line of RFC 4180 CSV (csv-parse, nothing relaxed), or undefined when it is not one. */
function strictCsv(text: string): string[] | undefined {
  try {
    const records: string[][] = parse(text);
    return records.length === 1 ? records[0] : undefined;
  } catch {
    return undefined;
  }
}

function toUser(accountId: string, row: Record<string, string>, line: number): CredentialUser {
  const at = (column: string) => `line ${line}, ${column}`;
  const key = (slot: 1 | 2): AccessKeyState => ({
    slot,
    active: bool(row[`access_key_${slot}_active`], at(`access_key_${slot}_active`), accountId),
    lastRotated: dateField(row[`access_key_${slot}_last_rotated`], at(`access_key_${slot}_last_rotated`), accountId),
    lastUsed: dateField(row[`access_key_${slot}_last_used_date`], at(`access_key_${slot}_last_used_date`), accountId),
    lastUsedRegion: textField(row[`access_key_${slot}_last_used_region`]),
    lastUsedService: textField(row[`access_key_${slot}_last_used_service`]),
  });
  return {
    accountId,
    user: row.user,
    arn: row.arn,
    isRoot: row.user === ROOT_USER,
    createdAt: dateField(row.user_creation_time, at("user_creation_time"), accountId),
    passwordEnabled: field(row.password_enabled, (v) => bool(v, at("password_enabled"), accountId)),
    passwordLastUsed: dateField(row.password_last_used, at("password_last_used"), accountId),
    passwordLastChanged: dateField(row.password_last_changed, at("password_last_changed"), accountId),
    mfaActive: bool(row.mfa_active, at("mfa_active"), accountId),
    accessKeys: [key(1), key(2)],
    raw: row,
  };
}

function field<T>(raw: string, read: (value: string) => T): Field<T> {
  if (ABSENT_REASONS.includes(raw)) return { present: false, reason: raw as AbsentReason };
  return { present: true, value: read(raw) };
}

function textField(raw: string): Field<string> {
  return field(raw, (value) => value);
}

function dateField(raw: string, where: string, accountId: string): Field<Date> {
  return field(raw, (value) => {
    const date = new Date(value);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(date.getTime())) {
      throw new MalformedReport(accountId, `${where} is ${JSON.stringify(value)}, not a date`);
    }
    return date;
  });
}

function bool(raw: string, where: string, accountId: string): boolean {
  // IAM writes "true"/"false"; AWS's own documentation prints TRUE/FALSE: read either.
  const value = raw.toLowerCase();
  if (value === "true" || value === "false") return value === "true";
  throw new MalformedReport(accountId, `${where} is ${JSON.stringify(raw)}, not true or false`);
}

/** The value of a field, or undefined when IAM gave a reason instead. */
export function valueOf<T>(f: Field<T>): T | undefined {
  return f.present ? f.value : undefined;
}
