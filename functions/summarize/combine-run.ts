import type { SecurityHubClient } from "@aws-sdk/client-securityhub";
import { type AccountAnalysis, carriedAccount } from "../analysis/account-analysis";
import { MalformedReport, type ParsedReport, parseCredentialReport } from "../analysis/credential-report";
import { type CombinedRun, RunCombiner } from "../org-report/run-combiner";
import { type AnalysisSettings, analyseAccount } from "../analysis-step";
import { findPreviousRun, knownAccounts, type PreviousFindings, readAccountAnalysis, readJson, readStoredIamAccount, readText, type StoreDeps, storeAccountAnalysis } from "../storage/analysis-store";
import type { PreviousRun, RunRef, SecurityHubResult } from "../run/contracts";
import { describeAwsError, TransientAwsError } from "../run/errors";
import type { Log } from "../log";
import { analysisKey, reportKey } from "../run/report-keys";
import type { RunRecord } from "../org-report/run-history";
import { coverageOf, type Manifest, type ManifestEntry } from "./manifest";
import { RunFilesInBucket } from "./run-files";
import { RunFilesStreamed, type StagingPlace } from "./streamed-files";
import { MAX_FAILURES_LISTED } from "../aws/security-hub";
import { withRetries } from "../aws/with-retries";

export interface CombineDeps extends StoreDeps {
  readonly log: Log;
  /** A Security Hub client acting as the account, for accounts Summarize analyses itself. */
  readonly securityHubFor?: (accountId: string) => Promise<SecurityHubClient>;
  /** The first pause before a read or write AWS answered "later" is tried again; it doubles. @default 200 */
  readonly retryPauseMs?: number;
  /** Keys already in the run's folder: the files an earlier try of the step stored are not sent again. */
  readonly alreadyStored?: ReadonlySet<string>;
  /** Where parts too large for memory wait (the deployed Summarize's map files bucket): the files are then made in S3, nothing on disk. */
  readonly staging?: StagingPlace;
}

// Accounts read at once; each holds one report and its analysis in memory, and the next window is
// read while one is combined, so twice this bounds the memory.
const ACCOUNTS_AT_ONCE = 16;

/**
 * The run's organization files from its accounts' analyses, one account at a time in account
 * order: the collector's analysis where it made one, else Summarize's own from the stored report
 * (a run of an older version before, or an account the collector left), and the known findings
 * carried for an account not collected or no longer listed. Memory holds ACCOUNTS_AT_ONCE
 * accounts (and the ids of the run before's), never the run's findings.
 */
export async function combineStoredRun(
  run: RunRef,
  manifest: Manifest,
  previousRun: PreviousRun | null | undefined,
  settings: AnalysisSettings,
  deps: CombineDeps,
): Promise<CombinedRun & { readonly securityHub?: SecurityHubResult }> {
  const retry = <T>(work: () => Promise<T>) => withRetries(work, deps.retryPauseMs);
  const previous = previousRun === undefined ? await retry(() => findPreviousRun(run, deps)) : (previousRun ?? undefined);
  const known = knownAccounts(previous, deps);
  const writing = { alreadyStored: deps.alreadyStored, retryPauseMs: deps.retryPauseMs };
  const out = deps.staging ? new RunFilesStreamed(deps.s3, deps.bucket, run, deps.staging, writing) : new RunFilesInBucket(deps.s3, deps.bucket, run, writing);
  // The run before's trend: one small file, so the page never reads old runs (none before 0.4.0).
  const before = previous ? await retry(() => readJson<{ runs: RunRecord[] }>(deps, analysisKey(previous, "trend"))) : undefined;
  const combiner = new RunCombiner(
    { run, previousRunId: known.runId, thresholds: settings.thresholds, acceptedRisks: settings.acceptedRisks, previousTrend: before?.runs ?? [], coverage: coverageOf(manifest) },
    out,
  );
  let securityHub: SecurityHubResult | undefined;
  try {
    const entries = [...manifest.accounts].sort((a, b) => a.accountId.localeCompare(b.accountId));
    const readWindow = (start: number) => {
      const reading = Promise.all(entries.slice(start, start + ACCOUNTS_AT_ONCE).map((entry) => retry(() => accountOf(run, entry, known, settings, deps))));
      // Awaited in its turn; should the combining stop first, its failure is not left unhandled.
      reading.catch(() => undefined);
      return reading;
    };
    let next = readWindow(0);
    for (let start = 0; start < entries.length; start += ACCOUNTS_AT_ONCE) {
      const read = await next;
      next = readWindow(start + ACCOUNTS_AT_ONCE);
      for (const account of read) {
        await combiner.add(account.analysis, account.report);
        if (account.securityHub) securityHub = addSecurityHubResults(securityHub, account.securityHub);
      }
    }
    // The accounts the run before knew and this run does not list (they left the organization or
    // the scope): not re-checked, so their findings are carried, never resolved.
    const listed = new Set(entries.map((entry) => entry.accountId));
    const departed = (await retry(() => known.accountIds())).filter((id) => !listed.has(id));
    for (const accountId of departed) {
      const analysis = await retry(() => carried(run, { id: accountId }, known, deps));
      if (analysis.notRechecked.length > 0) await combiner.add(analysis);
    }
    const combined = await combiner.finish();
    return { ...combined, ...(securityHub ? { securityHub } : {}) };
  } finally {
    await out.close();
  }
}

/** One account's analysis, and its parsed report when it was read. */
async function accountOf(
  run: RunRef,
  entry: ManifestEntry,
  known: PreviousFindings,
  settings: AnalysisSettings,
  deps: CombineDeps,
): Promise<{ analysis: AccountAnalysis; report?: ParsedReport; securityHub?: SecurityHubResult }> {
  const account = { id: entry.accountId, name: entry.name };
  if (entry.status !== "collected") return { analysis: await carried(run, account, known, deps) };
  const key = reportKey(run, account.id);
  const [csv, stored] = await Promise.all([
    readText(deps, key).catch((err) => {
      const aws = describeAwsError(err);
      // "Later" is not "unreadable": the read is tried again, and if AWS keeps saying so, the step.
      if (aws.transient) throw new TransientAwsError(aws.code, `reading ${key}: ${aws.message}`);
      return { readError: `${aws.code}: ${aws.message}` };
    }),
    readAccountAnalysis(deps, run, account.id),
  ]);
  if (stored) return { analysis: stored, ...(typeof csv === "string" ? { report: parsed(account.id, csv) } : {}) };
  const generatedAt = entry.reportGeneratedAt ? new Date(entry.reportGeneratedAt) : undefined;
  const hub = deps.securityHubFor ? () => deps.securityHubFor!(account.id) : undefined;
  const [iam, before] = await Promise.all([readStoredIamAccount(deps, run, account.id), known.of(account.id)]);
  return analyseAccount({ account, run, csv, generatedAt, ...(iam ? { iam } : {}), known: before }, settings, deps, hub);
}

/**
 * An account whose report was not read this run: its known findings carried, stored as its
 * analysis when there are any (so the run after carries them on), or the one an earlier try stored.
 */
async function carried(run: RunRef, account: { readonly id: string; readonly name?: string }, known: PreviousFindings, deps: CombineDeps): Promise<AccountAnalysis> {
  const stored = await readAccountAnalysis(deps, run, account.id);
  if (stored) return stored;
  const before = await known.of(account.id);
  const analysis = carriedAccount({ id: account.id, name: account.name ?? before?.accountName ?? "" }, run, before);
  if (analysis.notRechecked.length > 0) await storeAccountAnalysis(deps, analysis);
  return analysis;
}

function parsed(accountId: string, csv: string): ParsedReport | undefined {
  try {
    return parseCredentialReport(accountId, csv);
  } catch (err) {
    if (err instanceof MalformedReport) return undefined;
    throw err;
  }
}

/** Two accounts' (or batches') Security Hub results as one. */
export function addSecurityHubResults(a: SecurityHubResult | undefined, b: SecurityHubResult): SecurityHubResult {
  if (!a) return b;
  return {
    accounts: a.accounts + b.accounts,
    imported: a.imported + b.imported,
    suppressed: a.suppressed + b.suppressed,
    archived: a.archived + b.archived,
    workflowUpdated: a.workflowUpdated + b.workflowUpdated,
    failedCount: a.failedCount + b.failedCount,
    failed: [...a.failed, ...b.failed].slice(0, MAX_FAILURES_LISTED),
  };
}
