import { stringify } from "csv-stringify/sync";

/**
 * CSV rows for a spreadsheet: a cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, a tab
 * or carriage return first, or their full-width forms, which some spreadsheets fold to the ASCII
 * ones) gets a leading apostrophe, csv-stringify's `escape_formulas`. Only for derived files; the
 * raw reports stay byte-exact.
 */
export function spreadsheetCsv(rows: readonly (readonly string[])[]): string {
  return stringify(rows as string[][], { escape_formulas: true });
}
