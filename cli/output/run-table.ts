import type { Manifest } from "../../functions/summarize/manifest";

/**
 * Users in a raw report: its lines after the header. Counted by line, not parsed, because the
 * raw bytes are kept as IAM returned them and IAM user names cannot hold a line break.
 */
export function countUsers(csv: string): number {
  return csv.split("\n").filter((line) => line.trim() !== "").length - 1;
}

/**
 * The per-account table the CLI prints after a run; report files are named within the run's folder.
 * The users of each report are counted from the downloaded files: without them, no USERS column.
 */
export function formatRunTable(manifest: Manifest, usersByKey?: ReadonlyMap<string, number>): string {
  const rows = manifest.accounts.map((entry) => [
    entry.accountId,
    entry.name,
    entry.status,
    ...(usersByKey ? [entry.key ? String(usersByKey.get(entry.key) ?? "?") : "-"] : []),
    entry.key?.replace(manifest.prefix, "") ?? entry.skipReason ?? `${entry.errorCode}: ${entry.errorMessage}`,
  ]);
  const header = ["ACCOUNT", "NAME", "STATUS", ...(usersByKey ? ["USERS"] : []), "REPORT / REASON"];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column])))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
