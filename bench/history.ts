/**
 * Bytes Athena scans per saved cross-run query, JSON lines (before 0.5.0) against Parquet (now),
 * at the given numbers of accounts, one run a day. The findings of a bucket's runs (`npm run demo
 * -- --runs 3 --out DIR` downloads them) are repeated over as many accounts as asked, each copy
 * under its own account id and with user names of its own, and written both ways with the
 * pipeline's own writer. JSON is not
 * columnar: a query reads every file of its window's days. Parquet: a query reads the footer and,
 * in each row group, the column chunks of the columns it names (the Parquet metadata says their
 * sizes). The runs table is JSON in both.
 *
 *   npm run bench:history -- --from out [--accounts 10000,50000]
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parquetMetadata } from "hyparquet";
import { FINDINGS_COLUMNS, historyQueries } from "../components/queries/athena-queries";
import { FindingsParquet, type HistoryRow } from "../functions/org-report/findings-parquet";
import { ANALYSIS_FILES, HISTORY_FILES, HISTORY_PREFIX, REPORTS_PREFIX } from "../functions/run/report-keys";

const { values } = parseArgs({ options: { from: { type: "string" }, accounts: { type: "string" } } });
const root = values.from ?? "out";
const sizes = (values.accounts ?? "10000,50000").split(",").map(Number);

/** Every run folder's findings.jsonl under the downloaded prefix. */
function runLines(): HistoryRow[][] {
  const base = join(root, REPORTS_PREFIX);
  return readdirSync(base)
    .filter((day) => day.startsWith("date="))
    .flatMap((day) => readdirSync(join(base, day)).map((run) => join(base, day, run, ANALYSIS_FILES.findingsLines)))
    .map((file) => readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map((line) => JSON.parse(line) as HistoryRow));
}

/** One day's findings of `accounts` accounts: the demo's run, its accounts repeated under new ids. */
function dayOf(lines: readonly HistoryRow[], accounts: number): HistoryRow[] {
  const demoAccounts = [...new Set(lines.map((l) => l.account_id))];
  const byAccount = new Map(demoAccounts.map((id) => [id, lines.filter((l) => l.account_id === id)]));
  const rows: HistoryRow[] = [];
  for (let n = 0; n < accounts; n++) {
    const from = demoAccounts[n % demoAccounts.length];
    const id = String(100_000_000_000 + n);
    // Each copy's users get names of their own, as another account's users have: no repeats to compress.
    const renamed = (text: string, user: string) => (user && user !== "<root_account>" ? text.split(user).join(`${user}-${n}`) : text);
    for (const l of byAccount.get(from)!) {
      rows.push({ ...l, account_id: id, finding_id: renamed(l.finding_id.replace(from, id), l.user_name), user_name: renamed(l.user_name, l.user_name), message: renamed(l.message, l.user_name) });
    }
  }
  return rows;
}

/** A day's findings as Parquet: the file's bytes, and the bytes of each column's chunks (all row groups) and of the footer. */
async function asParquet(rows: readonly HistoryRow[]): Promise<{ bytes: number; columns: Map<string, number>; footer: number }> {
  const parts: Uint8Array[] = [];
  const writer = new FindingsParquet(async (bytes) => void parts.push(bytes));
  for (const row of rows) await writer.add(row);
  await writer.finish();
  const file = Buffer.concat(parts);
  const buffer = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength);
  const metadata = parquetMetadata(buffer);
  const columns = new Map<string, number>();
  for (const group of metadata.row_groups) {
    for (const chunk of group.columns) {
      const name = chunk.meta_data!.path_in_schema[0];
      columns.set(name, (columns.get(name) ?? 0) + Number(chunk.meta_data!.total_compressed_size));
    }
  }
  return { bytes: file.length, columns, footer: metadata.metadata_length + 8 };
}

const runs = runLines();
const lines = runs.at(-1)!;
const demoAccounts = new Set(lines.map((l) => l.account_id)).size;
const runRecordBytes = (() => {
  const folder = join(root, HISTORY_PREFIX, HISTORY_FILES.historyRun);
  const files = readdirSync(folder).flatMap((day) => readdirSync(join(folder, day)).map((name) => statSync(join(folder, day, name)).size));
  return files.reduce((a, b) => a + b, 0) / files.length;
})();
console.log(`from the newest of ${runs.length} run(s) in ${root}: ${demoAccounts} accounts, ${(lines.length / demoAccounts).toFixed(2)} findings per account, a run record ${runRecordBytes.toFixed(0)} bytes`);

const queries = historyQueries().map((q) => ({
  name: q.name,
  days: Math.max(...[...q.query.matchAll(/INTERVAL '(\d+)' DAY/g)].map((m) => Number(m[1]))),
  // The columns of the findings history a query names; "date" is the partition, not in the files.
  columns: FINDINGS_COLUMNS.map((c) => c.name).filter((name) => new RegExp(`\\b${name}\\b`).test(q.query)),
}));
async function main(): Promise<void> {
  for (const accounts of sizes) {
  const day = dayOf(lines, accounts);
  const json = day.reduce((sum, row) => sum + Buffer.byteLength(JSON.stringify(row)) + 1, 0);
  const parquet = await asParquet(day);
  console.log(`\nat ${accounts.toLocaleString("en")} accounts, one run a day: a day of findings is ${(json / 1e6).toFixed(1)} MB as JSON lines, ${(parquet.bytes / 1e6).toFixed(1)} MB as Parquet`);
  console.log(`  ${"saved query".padEnd(38)} ${"days".padStart(4)}  ${"JSON lines".padStart(10)}  ${"Parquet".padStart(9)}  ratio  columns read`);
  for (const q of queries) {
    const jsonBytes = q.days * (json + runRecordBytes);
    const parquetBytes = q.days * (q.columns.reduce((sum, c) => sum + (parquet.columns.get(c) ?? 0), 0) + parquet.footer + runRecordBytes);
    console.log(
      `  ${q.name.padEnd(38)} ${String(q.days).padStart(4)}  ${`${(jsonBytes / 1e9).toFixed(2)} GB`.padStart(10)}  ${`${(parquetBytes / 1e9).toFixed(3)} GB`.padStart(9)}  ${(parquetBytes / jsonBytes).toFixed(3)}  ${q.columns.join(", ")}`,
    );
  }
}
}

void main();
