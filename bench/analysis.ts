import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { type AccountAnalysis, analyzeAccount } from "../functions/analysis/account-analysis";
import { CREDENTIAL_REPORT_COLUMNS, MalformedReport, parseCredentialReport } from "../functions/analysis/credential-report";
import { DEFAULT_THRESHOLDS } from "../functions/analysis/findings";
import { RunCombiner } from "../functions/org-report/run-combiner";
import { ANALYSIS_FILES } from "../functions/run/report-keys";
import { RunFilesInFolder } from "../functions/summarize/run-files";
import { ACCOUNTS_AT_ONCE_PER_BATCH } from "../functions/run/settings";

// Measures the analysis the way a run makes it, on a synthetic organization: each batch analyses
// its accounts where it reads their reports (as CollectReport does), then Summarize combines the
// accounts' analyses one at a time (as combine-run.ts does). Each step runs in a process of its own
// whose heap is capped, so its peak memory is its own, under the limit it would have in Lambda.
const { values } = parseArgs({
  options: { accounts: { type: "string" }, users: { type: "string" }, step: { type: "string" }, dir: { type: "string" }, browser: { type: "boolean" } },
});
const accounts = Number(values.accounts ?? 2000);
const usersPerAccount = Number(values.users ?? 20);
const run = { id: "bench", startedAt: "2026-11-25T08:00:00.000Z" };
const now = new Date(run.startedAt);
/** Accounts per CollectReport call, the stack's accountsPerBatch at its most. */
const BATCH = 100;
/** Heap caps in MiB: the targets for one batch's analysis and for the summarising step. */
const HEAP_MIB = { batch: 64, combine: 256 };

const accountId = (i: number) => String(100000000000 + i);
const day = (offset: number) => new Date(now.getTime() - offset * 86_400_000).toISOString().replace(".000Z", "+00:00");

function report(id: string): string {
  const rows = [CREDENTIAL_REPORT_COLUMNS.join(",")];
  rows.push(`<root_account>,arn:aws:iam::${id}:root,${day(2000)},not_supported,${day(40)},not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`);
  for (let i = 0; i < usersPerAccount; i++) {
    const age = (i * 37) % 400;
    rows.push(
      `user-${i},arn:aws:iam::${id}:user/user-${i},${day(age + 10)},${i % 2 === 0},${day(i % 60)},${day(age)},N/A,${i % 3 !== 0},true,${day(age)},${i % 5 === 0 ? "N/A" : day(i % 50)},us-east-1,s3,${i % 4 === 0},${day(age / 2)},N/A,N/A,N/A,false,N/A,false,N/A`,
    );
  }
  return `${rows.join("\n")}\n`;
}

const peakMiB = () => process.resourceUsage().maxRSS / 1024;
/** The step's process before it works: Node and the bundle loaded. */
const atRestMiB = process.memoryUsage().rss / 1_048_576;

/**
 * The batches' analyses: each holds up to ACCOUNTS_AT_ONCE_PER_BATCH accounts' reports and
 * analyses at once, as CollectReport does, stores each analysis beside its report (here: on disk).
 */
function batchStep(dir: string): void {
  const started = performance.now();
  let findings = 0;
  for (let first = 0; first < accounts; first += ACCOUNTS_AT_ONCE_PER_BATCH) {
    const inFlight = Array.from({ length: Math.min(ACCOUNTS_AT_ONCE_PER_BATCH, accounts - first) }, (_, n) => {
      const id = accountId(first + n);
      return analyzeAccount({
        account: { id, name: `account-${first + n}` },
        run,
        csv: readFileSync(join(dir, `account=${id}.csv`), "utf8"),
        generatedAt: now,
        thresholds: DEFAULT_THRESHOLDS,
        acceptedRisks: [],
      });
    });
    for (const { report: _, ...analysis } of inFlight) {
      findings += analysis.findings.length;
      writeFileSync(join(dir, `account=${analysis.accountId}.analysis.json`), JSON.stringify(analysis));
    }
  }
  console.log(JSON.stringify({ step: "batch", findings, seconds: (performance.now() - started) / 1000, peakMiB: peakMiB(), atRestMiB }));
}

/** Summarize's combination: each account's analysis and report read in turn, the files written as it goes. */
async function combineStep(dir: string): Promise<void> {
  const started = performance.now();
  const out = new RunFilesInFolder(join(dir, "run"));
  const combiner = new RunCombiner({ run, previousRunId: null, thresholds: DEFAULT_THRESHOLDS, acceptedRisks: [] }, out);
  for (let i = 0; i < accounts; i++) {
    const id = accountId(i);
    const analysis = JSON.parse(readFileSync(join(dir, `account=${id}.analysis.json`), "utf8")) as AccountAnalysis;
    let parsed;
    try {
      parsed = parseCredentialReport(id, readFileSync(join(dir, `account=${id}.csv`), "utf8"));
    } catch (err) {
      if (!(err instanceof MalformedReport)) throw err;
    }
    await combiner.add(analysis, parsed);
  }
  const { findings } = await combiner.finish();
  await out.close();
  const sizes = Object.fromEntries(Object.entries(ANALYSIS_FILES).map(([file, name]) => [file, statSync(join(dir, "run", name)).size]));
  console.log(JSON.stringify({ step: "combine", findings, seconds: (performance.now() - started) / 1000, peakMiB: peakMiB(), atRestMiB, sizes }));
}

/** Runs one step in a process of its own, from a bundle as a Lambda runs, its heap capped; what it printed. */
function inOwnProcess(step: "batch" | "combine", dir: string, bundle: string): { findings: number; seconds: number; peakMiB: number; atRestMiB: number; sizes?: Record<string, number> } {
  const args = [`--max-old-space-size=${HEAP_MIB[step]}`, bundle, "--accounts", String(accounts), "--users", String(usersPerAccount), "--step", step, "--dir", dir];
  const child = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  if (child.status !== 0) throw new Error(`the ${step} step failed (heap capped at ${HEAP_MIB[step]} MiB):\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!);
}

async function main(): Promise<void> {
  if (values.step === "batch") return batchStep(values.dir!);
  if (values.step === "combine") return combineStep(values.dir!);

  const dir = mkdtempSync(join(tmpdir(), "credreport-bench-analysis-"));
  try {
    mkdirSync(join(dir, "run"));
    for (let i = 0; i < accounts; i++) writeFileSync(join(dir, `account=${accountId(i)}.csv`), report(accountId(i)));
    const bundle = join(dir, "bench-analysis.js");
    await build({ entryPoints: [__filename], bundle: true, platform: "node", target: "node22", format: "cjs", outfile: bundle, logLevel: "silent" });
    const batch = inOwnProcess("batch", dir, bundle);
    const combine = inOwnProcess("combine", dir, bundle);
    const per100k = (seconds: number) => ((seconds / combine.findings) * 100_000).toFixed(2);
    const mib = (bytes: number) => (bytes / 1_048_576).toFixed(1);
    console.log(`${accounts} accounts x ${usersPerAccount + 1} users: ${combine.findings} findings`);
    console.log(
      `  analysis where the reports are read (batches of ${BATCH}, heap capped at ${HEAP_MIB.batch} MiB): ${batch.seconds.toFixed(1)} s in all, ` +
        `${per100k(batch.seconds)} s per 100,000 findings, ${(batch.seconds / Math.ceil(accounts / BATCH)).toFixed(2)} s per batch; peak RSS ${batch.peakMiB.toFixed(0)} MiB (${batch.atRestMiB.toFixed(0)} MiB at rest)`,
    );
    console.log(
      `  Summarize's combination (heap capped at ${HEAP_MIB.combine} MiB): ${combine.seconds.toFixed(1)} s, ${per100k(combine.seconds)} s per 100,000 findings; peak RSS ${combine.peakMiB.toFixed(0)} MiB (${combine.atRestMiB.toFixed(0)} MiB at rest)`,
    );
    const sizes = combine.sizes!;
    console.log(`  files: ${Object.entries(ANALYSIS_FILES).map(([file, name]) => `${name} ${mib(sizes[file])} MiB`).join(", ")}`);
    if (values.browser) await openInBrowser(join(dir, "run", ANALYSIS_FILES.html));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** How the page opens in headless chromium (Debian's; CHROMIUM_PATH to change). */
async function openInBrowser(file: string): Promise<void> {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const opening = performance.now();
  await page.goto(`file://${file}`, { waitUntil: "load" });
  const loadMs = performance.now() - opening;
  // Runs in the page, where the DOM is; this file is compiled without DOM types.
  const height = await page.evaluate("document.documentElement.scrollHeight");
  const rows = await page.locator("table.sortable tbody tr").count();
  await browser.close();
  console.log(`  report.html in headless chromium: loaded in ${loadMs.toFixed(0)} ms, page ${height} px tall, ${rows} table rows`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
