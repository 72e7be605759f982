import { parse } from "csv-parse/sync";
import { PipelineError } from "../errors";

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
 */
export function parseCredentialReport(accountId: string, csv: string): ParsedReport {
  let records: string[][];
  try {
    // relax_column_count: a row with extra fields is repaired below, not rejected here.
    records = parse(csv, { bom: true, skip_empty_lines: true, relax_column_count: true });
  } catch (error) {
    throw new MalformedReport(accountId, (error as Error).message);
  }
  const [columns, ...body] = records;
  const missing = REQUIRED_COLUMNS.filter((column) => !columns?.includes(column));
  if (!columns || missing.length > 0) {
    throw new MalformedReport(accountId, `missing column${missing.length === 1 ? "" : "s"} ${missing.join(", ")}`);
  }
  const rows = body.map((fields, index) => rowByColumn(accountId, columns, fields, index + 2));
  return { accountId, columns, rows, users: rows.map((row, index) => toUser(accountId, row, index + 2)) };
}

/**
 * IAM user names may contain commas. A writer that does not quote them (moto does not) splits the
 * name, and the ARN that ends with it, over as many extra fields each; join them back.
 */
function rowByColumn(accountId: string, columns: readonly string[], fields: string[], line: number): Record<string, string> {
  let repaired = fields;
  const extra = fields.length - columns.length;
  if (extra > 0 && extra % 2 === 0 && columns[0] === "user" && columns[1] === "arn") {
    const commas = extra / 2;
    const user = fields.slice(0, commas + 1).join(",");
    const arn = fields.slice(commas + 1, 2 * commas + 2).join(",");
    if (arn.startsWith("arn:") && arn.endsWith(user)) repaired = [user, arn, ...fields.slice(2 * commas + 2)];
  }
  if (repaired.length !== columns.length) {
    throw new MalformedReport(accountId, `line ${line} has ${fields.length} fields for ${columns.length} columns`);
  }
  return Object.fromEntries(columns.map((column, i) => [column, repaired[i]]));
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
