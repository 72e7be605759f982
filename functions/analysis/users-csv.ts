import { stringify } from "csv-stringify/sync";
import type { ParsedReport } from "./credential-report";

/** A report and the account it came from. */
export interface AccountReport {
  readonly report: ParsedReport;
  readonly accountName: string;
}

// A spreadsheet runs a cell starting with one of these as a formula.
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Makes a cell inert in a spreadsheet: a leading apostrophe turns a would-be formula into text.
 * Only for derived files; the raw reports stay byte-exact.
 */
export function neutralizeFormula(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

/**
 * One CSV of every user of every account, account id and name first, then the report's columns
 * (every column any report has, in the order IAM writes them). Pure.
 */
export function organizationUsersCsv(reports: readonly AccountReport[]): string {
  const columns: string[] = [];
  for (const { report } of reports) for (const c of report.columns) if (!columns.includes(c)) columns.push(c);
  const rows = reports.flatMap(({ report, accountName }) =>
    report.rows.map((row) => [report.accountId, accountName, ...columns.map((c) => row[c] ?? "")].map(neutralizeFormula)),
  );
  return stringify([["account_id", "account_name", ...columns], ...rows]);
}
