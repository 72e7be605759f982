import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  type WriteStream,
  writeFileSync,
} from "node:fs";
import { pipeline } from "node:stream/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { type AccountAnalysis, analyzeAccount } from "../functions/analysis/account-analysis";
import { CREDENTIAL_REPORT_COLUMNS, MalformedReport, parseCredentialReport } from "../functions/analysis/credential-report";
import { DEFAULT_THRESHOLDS } from "../functions/analysis/findings";
import { type CombinerState, RunCombiner, type RunFileWriter } from "../functions/org-report/run-combiner";
import { ANALYSIS_FILES, HISTORY_FILES, type RunFile } from "../functions/run/report-keys";
import { SHARD_LIMITS } from "../functions/summarize/shards";
import { RunFilesInFolder } from "../functions/summarize/run-files";
import { ACCOUNTS_AT_ONCE_PER_BATCH } from "../functions/run/settings";

// Measures the analysis the way a run makes it, on a synthetic organization: each batch analyses
// its accounts where it reads their reports (as CollectReport does), then Summarize combines the
// accounts' analyses one at a time (as combine-run.ts does). Each step runs in a process of its own
// whose heap is capped, so its peak memory is its own, under the limit it would have in Lambda.
const { values } = parseArgs({
  options: {
    accounts: { type: "string" },
    users: { type: "string" },
    step: { type: "string" },
    dir: { type: "string" },
    browser: { type: "boolean" },
    "shard-accounts": { type: "string" },
    unsplit: { type: "boolean" },
    shard: { type: "string" },
  },
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

/** Adds accounts start to end to the combiner, each account's analysis and report read in turn. */
async function addAccounts(dir: string, combiner: RunCombiner, start: number, end: number): Promise<void> {
  for (let i = start; i < end; i++) {
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
}

const newCombiner = (out: RunFileWriter) => new RunCombiner({ run, previousRunId: null, thresholds: DEFAULT_THRESHOLDS, acceptedRisks: [] }, out);
const fileSizes = (folder: string) => Object.fromEntries(Object.entries(ANALYSIS_FILES).map(([file, name]) => [file, statSync(join(folder, name)).size]));

/** Summarize's combination in one invocation: the files written as it goes. */
async function combineStep(dir: string): Promise<void> {
  const started = performance.now();
  const out = new RunFilesInFolder(join(dir, "run"));
  const combiner = newCombiner(out);
  await addAccounts(dir, combiner, 0, accounts);
  const { findings } = await combiner.finish();
  await out.close();
  console.log(JSON.stringify({ step: "combine", findings, seconds: (performance.now() - started) / 1000, peakMiB: peakMiB(), atRestMiB, sizes: fileSizes(join(dir, "run")) }));
}

/**
 * The bench's stand-in for the staging place in S3: each part of a shard a file of its folder,
 * appended to as the deployed writer sends parts, and the shard's history file beside them.
 */
class ShardFolder implements RunFileWriter {
  private readonly streams = new Map<string, WriteStream>();
  constructor(private readonly folder: string) {}

  async append(part: string, data: string | Uint8Array): Promise<void> {
    let stream = this.streams.get(part);
    if (!stream) this.streams.set(part, (stream = createWriteStream(join(this.folder, part))));
    if (!stream.write(data)) await once(stream, "drain");
  }

  /** A shard assembles only its history: its one part is its file. */
  async assemble(_file: RunFile, pieces: readonly (string | { readonly part: string })[]): Promise<void> {
    await this.end();
    const [piece] = pieces as { part: string }[];
    renameSync(join(this.folder, piece.part), join(this.folder, "history.parquet"));
  }

  async end(): Promise<void> {
    await Promise.all([...this.streams.values()].map((stream) => new Promise((resolve) => stream.end(resolve))));
  }
}

/** The merge's files from the shards' parts, concatenated here as S3 copies them (UploadPartCopy) in AWS. */
class MergedFolder implements RunFileWriter {
  constructor(
    private readonly folder: string,
    private readonly shardFolder: (index: number) => string,
  ) {}

  async append(): Promise<void> {
    throw new Error("the merge appends nothing");
  }

  async assemble(file: RunFile, pieces: readonly (string | { readonly part: string })[]): Promise<void> {
    if (file in HISTORY_FILES) return;
    const out = createWriteStream(join(this.folder, ANALYSIS_FILES[file as keyof typeof ANALYSIS_FILES]));
    for (const piece of pieces) {
      if (typeof piece === "string") {
        if (!out.write(piece)) await once(out, "drain");
        continue;
      }
      const [part, index] = piece.part.split("@");
      const path = join(this.shardFolder(Number(index)), part);
      if (existsSync(path)) await pipeline(createReadStream(path), out, { end: false });
    }
    await new Promise((resolve) => out.end(resolve));
  }
}

const shardFolder = (dir: string, index: number) => join(dir, `shard=${index}`);

/** One shard's combination, as a CombineShard invocation makes it: its parts and its digest left for the merge. */
async function shardStep(dir: string, index: number, shardAccounts: number): Promise<void> {
  const started = performance.now();
  const folder = shardFolder(dir, index);
  mkdirSync(folder, { recursive: true });
  const out = new ShardFolder(folder);
  const combiner = newCombiner(out);
  await addAccounts(dir, combiner, index * shardAccounts, Math.min(accounts, (index + 1) * shardAccounts));
  const state = await combiner.finishShard();
  await out.end();
  writeFileSync(join(folder, "digest.json"), JSON.stringify(state));
  console.log(JSON.stringify({ step: "shard", findings: state.counts.total, seconds: (performance.now() - started) / 1000, peakMiB: peakMiB(), atRestMiB }));
}

/** The merge, as MergeShards makes it: the digests absorbed in shard order, the files made of the parts. */
async function mergeStep(dir: string, shards: number): Promise<void> {
  const started = performance.now();
  const merged = join(dir, "merged");
  mkdirSync(merged, { recursive: true });
  const combiner = newCombiner(new MergedFolder(merged, (index) => shardFolder(dir, index)));
  for (let index = 0; index < shards; index++) combiner.absorb(index, JSON.parse(readFileSync(join(shardFolder(dir, index), "digest.json"), "utf8")) as CombinerState);
  const { findings } = await combiner.finish();
  console.log(JSON.stringify({ step: "merge", findings, seconds: (performance.now() - started) / 1000, peakMiB: peakMiB(), atRestMiB, sizes: fileSizes(merged) }));
}

type Step = "batch" | "combine" | "shard" | "merge";

/** Runs one step in a process of its own, from a bundle as a Lambda runs, its heap capped; what it printed. */
function inOwnProcess(step: Step, dir: string, bundle: string, more: readonly string[] = []): { findings: number; seconds: number; peakMiB: number; atRestMiB: number; sizes?: Record<string, number> } {
  const heap = step === "batch" ? HEAP_MIB.batch : HEAP_MIB.combine;
  const args = [`--max-old-space-size=${heap}`, bundle, "--accounts", String(accounts), "--users", String(usersPerAccount), "--step", step, "--dir", dir, ...more];
  const child = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  if (child.status !== 0) throw new Error(`the ${step} step failed (heap capped at ${heap} MiB):\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!);
}

async function main(): Promise<void> {
  const shardAccounts = Number(values["shard-accounts"] ?? SHARD_LIMITS.accounts);
  const shards = Math.ceil(accounts / shardAccounts);
  if (values.step === "batch") return batchStep(values.dir!);
  if (values.step === "combine") return combineStep(values.dir!);
  if (values.step === "shard") return shardStep(values.dir!, Number(values.shard), shardAccounts);
  if (values.step === "merge") return mergeStep(values.dir!, shards);

  const dir = mkdtempSync(join(tmpdir(), "credreport-bench-analysis-"));
  try {
    mkdirSync(join(dir, "run"));
    for (let i = 0; i < accounts; i++) writeFileSync(join(dir, `account=${accountId(i)}.csv`), report(accountId(i)));
    const bundle = join(dir, "bench-analysis.js");
    await build({ entryPoints: [__filename], bundle: true, platform: "node", target: "node22", format: "cjs", outfile: bundle, logLevel: "silent" });
    const batch = inOwnProcess("batch", dir, bundle);
    const per100k = (seconds: number, findings: number) => ((seconds / findings) * 100_000).toFixed(2);
    const mib = (bytes: number) => (bytes / 1_048_576).toFixed(1);
    console.log(`${accounts} accounts x ${usersPerAccount + 1} users: ${batch.findings} findings`);
    console.log(
      `  analysis where the reports are read (batches of ${BATCH}, heap capped at ${HEAP_MIB.batch} MiB): ${batch.seconds.toFixed(1)} s in all, ` +
        `${per100k(batch.seconds, batch.findings)} s per 100,000 findings, ${(batch.seconds / Math.ceil(accounts / BATCH)).toFixed(2)} s per batch; peak RSS ${batch.peakMiB.toFixed(0)} MiB (${batch.atRestMiB.toFixed(0)} MiB at rest)`,
    );
    // As the deployed run does: one invocation when the run is one shard, else shards and a merge.
    const unsplit = shards === 1 || values.unsplit;
    if (unsplit) {
      const combine = inOwnProcess("combine", dir, bundle);
      console.log(
        `  Summarize's combination in one invocation (heap capped at ${HEAP_MIB.combine} MiB): ${combine.seconds.toFixed(1)} s, ${per100k(combine.seconds, combine.findings)} s per 100,000 findings; peak RSS ${combine.peakMiB.toFixed(0)} MiB (${combine.atRestMiB.toFixed(0)} MiB at rest)`,
      );
      console.log(`  files: ${Object.entries(ANALYSIS_FILES).map(([file, name]) => `${name} ${mib(combine.sizes![file])} MiB`).join(", ")}`);
    }
    if (shards > 1) {
      const each = Array.from({ length: shards }, (_, index) => inOwnProcess("shard", dir, bundle, ["--shard", String(index), "--shard-accounts", String(shardAccounts)]));
      const merge = inOwnProcess("merge", dir, bundle, ["--shard-accounts", String(shardAccounts)]);
      const longest = Math.max(...each.map((shard) => shard.seconds));
      const sum = each.reduce((total, shard) => total + shard.seconds, 0);
      console.log(
        `  in ${shards} shards of ${shardAccounts} accounts (heap capped at ${HEAP_MIB.combine} MiB): the longest ${longest.toFixed(1)} s, all ${sum.toFixed(1)} s ` +
          `(${per100k(sum, merge.findings)} s per 100,000 findings), peak RSS ${Math.max(...each.map((shard) => shard.peakMiB)).toFixed(0)} MiB; ` +
          `the merge ${merge.seconds.toFixed(1)} s (the parts concatenated on disk here, copied by S3 in AWS), peak RSS ${merge.peakMiB.toFixed(0)} MiB`,
      );
      console.log(`  files: ${Object.entries(ANALYSIS_FILES).map(([file, name]) => `${name} ${mib(merge.sizes![file])} MiB`).join(", ")}`);
      if (unsplit) {
        const differ = Object.values(ANALYSIS_FILES).filter((name) => sha256(join(dir, "run", name)) !== sha256(join(dir, "merged", name)));
        console.log(`  merged files against one invocation's: ${differ.length === 0 ? "every file identical" : `different: ${differ.join(", ")}`}`);
      }
    }
    if (values.browser) await openInBrowser(join(dir, unsplit ? "run" : "merged", ANALYSIS_FILES.html));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function sha256(path: string): string {
  const hash = createHash("sha256");
  const fd = openSync(path, "r");
  const buffer = Buffer.alloc(8 * 1024 * 1024);
  try {
    for (let n; (n = readSync(fd, buffer)) > 0; ) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
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
