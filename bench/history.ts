/**
 * Bytes Athena scans per saved cross-run query, at a given number of accounts: measured from the
 * history files of a downloaded bucket (`npm run demo -- --runs 3 --out DIR`), scaled by accounts,
 * one run a day. Athena reads every file of every day a query's window names (JSON is not
 * columnar), so a query's bytes are its window's days times a day's files.
 *
 *   npm run bench:history -- --from out [--accounts 10000]
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { historyQueries } from "../components/queries/athena-queries";
import { HISTORY_FILES, HISTORY_PREFIX } from "../functions/run/report-keys";

const { values } = parseArgs({ options: { from: { type: "string" }, accounts: { type: "string" } } });
const root = values.from ?? "out";
const accounts = Number(values.accounts ?? "10000");

/** Every file under a history folder, with its size. */
function files(folder: string): { path: string; bytes: number }[] {
  const base = join(root, HISTORY_PREFIX, folder);
  return readdirSync(base).flatMap((day) => readdirSync(join(base, day)).map((name) => ({ path: join(base, day, name), bytes: statSync(join(base, day, name)).size })));
}
const runs = files(HISTORY_FILES.historyRun);
const findings = files(HISTORY_FILES.historyFindings);
const records = runs.map((f) => JSON.parse(readFileSync(f.path, "utf8")) as { accounts_collected: number });
const accountsPerRun = records.reduce((sum, r) => sum + r.accounts_collected, 0) / records.length;
const bytesPerAccount = findings.reduce((sum, f) => sum + f.bytes, 0) / findings.length / accountsPerRun;
const lines = findings.flatMap((f) => readFileSync(f.path, "utf8").trim().split("\n"));
const recordBytes = runs.reduce((sum, f) => sum + f.bytes, 0) / runs.length;
const dayOfFindings = bytesPerAccount * accounts;

console.log(`measured from ${runs.length} run(s) of ${accountsPerRun} accounts in ${root}:`);
console.log(`  ${(lines.length / findings.length / accountsPerRun).toFixed(2)} findings per account, ${(lines.reduce((s, l) => s + l.length + 1, 0) / lines.length).toFixed(0)} bytes per findings line, ${recordBytes.toFixed(0)} bytes per run record`);
console.log(`at ${accounts.toLocaleString("en")} accounts, one run a day: ${(dayOfFindings / 1e6).toFixed(1)} MB of findings a day`);
for (const q of historyQueries()) {
  const days = Math.max(...[...q.query.matchAll(/INTERVAL '(\d+)' DAY/g)].map((m) => Number(m[1])));
  const bytes = days * (dayOfFindings + recordBytes);
  console.log(`  ${q.name.padEnd(38)} ${String(days).padStart(3)} days  ${(bytes / 1e9).toFixed(2)} GB  $${((bytes / 1e12) * 5).toFixed(4)} at $5 per TB`);
}
