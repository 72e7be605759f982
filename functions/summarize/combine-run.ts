import type { SecurityHubClient } from "@aws-sdk/client-securityhub";
import { type AccountAnalysis, carriedAccount } from "../analysis/account-analysis";
import { MalformedReport, type ParsedReport, parseCredentialReport } from "../analysis/credential-report";
import { type CombinedRun, type CombinerState, RunCombiner, type RunFileWriter } from "../org-report/run-combiner";
import { type AnalysisSettings, analyseAccount } from "../analysis-step";
import {
  accountsWithKeyActions,
  findPreviousRun,
  knownAccounts,
  type PreviousFindings,
  readAccountAnalysis,
  readJson,
  readKeyActions,
  readStoredIamAccount,
  readText,
  type StoreDeps,
  storeAccountAnalysis,
} from "../storage/analysis-store";
import type { PreviousRun, RunRef, SecurityHubResult, ShardRef } from "../run/contracts";
import { describeAwsError, InvalidInput, TransientAwsError } from "../run/errors";
import type { Log } from "../log";
import { analysisKey, historyShardKey, reportKey, runFileKey } from "../run/report-keys";
import { readIfPresent } from "../storage/read-if-present";
import { readAccountList } from "../storage/account-list";
import type { AccountOwnership } from "../org-report/owner-notices";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { RunRecord } from "../org-report/run-history";
import { coverageOf, type Manifest, type ManifestEntry } from "./manifest";
import { RunFilesInBucket } from "./run-files";
import { RunFilesStreamed, type StagedPart, type StagingPlace } from "./streamed-files";
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
  /** The accounts whose key actions the collector recorded this run, when the run's folder was listed: no other is listed again. */
  readonly actedIn?: ReadonlySet<string>;
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
  const writing = { alreadyStored: deps.alreadyStored, retryPauseMs: deps.retryPauseMs };
  const actedIn = deps.alreadyStored && accountsWithKeyActions(deps.alreadyStored);
  const out = deps.staging ? new RunFilesStreamed(deps.s3, deps.bucket, run, deps.staging, writing) : new RunFilesInBucket(deps.s3, deps.bucket, run, writing);
  try {
    const combiner = await runCombiner(run, manifest, previous, settings, out, deps);
    const entries = inAccountOrder(manifest);
    const securityHub = await addAccounts(run, entries, entries, knownAccounts(previous, deps), combiner, settings, { ...deps, ...(actedIn ? { actedIn } : {}) });
    const combined = await combiner.finish();
    return { ...combined, ...(securityHub ? { securityHub } : {}) };
  } finally {
    await out.close();
  }
}

/** What a shard leaves for the merge (stored in the staging place, as it grows with the shard's accounts). */
export interface ShardDigest {
  readonly index: number;
  readonly state: CombinerState;
  readonly parts: Record<string, StagedPart>;
  readonly securityHub?: SecurityHubResult;
}

/**
 * One shard of a run too large for one invocation: its accounts (entries start to end of the
 * manifest's, in account order; the last shard also the accounts that left) combined into parts
 * left in the staging place, its own history file, and its digest beside the parts.
 */
export async function combineShard(
  run: RunRef,
  manifest: Manifest,
  previous: PreviousRun | undefined,
  shard: ShardRef,
  settings: AnalysisSettings,
  deps: CombineDeps & { readonly staging: StagingPlace },
): Promise<void> {
  const staging = shardStaging(deps.staging, shard.index);
  const out = new RunFilesStreamed(deps.s3, deps.bucket, run, staging, {
    alreadyStored: deps.alreadyStored,
    retryPauseMs: deps.retryPauseMs,
    fileKey: (file) => (file === "historyFindings" ? historyShardKey(run, shard.index) : runFileKey(run, file)),
  });
  try {
    const ownership = await withRetries(() => ownershipOf(run, deps), deps.retryPauseMs);
    const combiner = new RunCombiner({ run, previousRunId: previous?.id ?? null, thresholds: settings.thresholds, acceptedRisks: settings.acceptedRisks, ownership }, out);
    const entries = inAccountOrder(manifest);
    const listing = shard.index === shard.count - 1 ? entries : undefined;
    const securityHub = await addAccounts(run, entries.slice(shard.start, shard.end), listing, knownAccounts(previous, deps), combiner, settings, deps);
    const state = await combiner.finishShard();
    const digest: ShardDigest = { index: shard.index, state, parts: await out.persist(), ...(securityHub ? { securityHub } : {}) };
    const put = () => deps.s3.send(new PutObjectCommand({ Bucket: staging.bucket, Key: `${staging.prefix}${DIGEST}`, Body: JSON.stringify(digest), ContentType: "application/json" }));
    await withRetries(put, deps.retryPauseMs);
  } finally {
    await out.close();
  }
}

/**
 * The run's files from its shards' digests and parts, in shard order: the counts added up and
 * each file made of the shards' parts in S3 (copied by S3 itself), so that every file but the
 * history is the one a single combination would have written.
 */
export async function mergeShards(
  run: RunRef,
  manifest: Manifest,
  previous: PreviousRun | undefined,
  count: number,
  settings: AnalysisSettings,
  deps: CombineDeps & { readonly staging: StagingPlace },
): Promise<CombinedRun & { readonly securityHub?: SecurityHubResult }> {
  const retry = <T>(work: () => Promise<T>) => withRetries(work, deps.retryPauseMs);
  const digests: ShardDigest[] = [];
  for (let index = 0; index < count; index++) {
    const staging = shardStaging(deps.staging, index);
    const text = await retry(() => readIfPresent(deps.s3, staging.bucket, `${staging.prefix}${DIGEST}`));
    if (text === undefined) throw new InvalidInput(`shard ${index} of ${count} left no digest at s3://${staging.bucket}/${staging.prefix}${DIGEST}`);
    digests.push(JSON.parse(text) as ShardDigest);
  }
  const staged = Object.fromEntries(digests.flatMap((digest) => Object.entries(digest.parts).map(([name, part]) => [`${name}@${digest.index}`, part])));
  const out = new RunFilesStreamed(deps.s3, deps.bucket, run, { bucket: deps.staging.bucket, prefix: `${deps.staging.prefix}merge/` }, { alreadyStored: deps.alreadyStored, retryPauseMs: deps.retryPauseMs, staged });
  try {
    const combiner = await runCombiner(run, manifest, previous, settings, out, deps);
    for (const digest of digests) combiner.absorb(digest.index, digest.state);
    const combined = await combiner.finish();
    const securityHub = digests.reduce<SecurityHubResult | undefined>((sum, digest) => (digest.securityHub ? addSecurityHubResults(sum, digest.securityHub) : sum), undefined);
    return { ...combined, ...(securityHub ? { securityHub } : {}) };
  } finally {
    await out.close();
  }
}

const DIGEST = "digest.json";

function shardStaging(staging: StagingPlace, index: number): StagingPlace {
  return { bucket: staging.bucket, prefix: `${staging.prefix}shard=${index}/` };
}

/** The manifest's entries in account order: the order the combination adds them, and the shards cut them. */
export function inAccountOrder(manifest: Manifest): ManifestEntry[] {
  return [...manifest.accounts].sort((a, b) => a.accountId.localeCompare(b.accountId));
}

/** The combiner of the whole run: it writes the page and the trend, so it reads the run before's trend. */
async function runCombiner(run: RunRef, manifest: Manifest, previous: PreviousRun | undefined, settings: AnalysisSettings, out: RunFileWriter, deps: CombineDeps): Promise<RunCombiner> {
  // The run before's trend: one small file, so the page never reads old runs (none before 0.4.0).
  const before = previous ? await withRetries(() => readJson<{ runs: RunRecord[] }>(deps, analysisKey(previous, "trend")), deps.retryPauseMs) : undefined;
  const ownership = await withRetries(() => ownershipOf(run, deps), deps.retryPauseMs);
  return new RunCombiner(
    { run, previousRunId: previous?.id ?? null, thresholds: settings.thresholds, acceptedRisks: settings.acceptedRisks, previousTrend: before?.runs ?? [], coverage: coverageOf(manifest), ownership },
    out,
  );
}

/** Each account's owners and OU path, as ListAccounts recorded them in the run's account list (none before 0.5.0). */
async function ownershipOf(run: RunRef, deps: CombineDeps): Promise<AccountOwnership> {
  const list = await readAccountList(run, deps);
  return new Map((list?.accounts ?? []).filter((a) => a.owners).map((a) => [a.id, { owners: a.owners, ou: a.ou }]));
}

/**
 * Adds the entries' accounts to the combiner in their order, ACCOUNTS_AT_ONCE read while the ones
 * before are combined; then, given the run's whole `listing`, the accounts the run before knew and
 * it does not list (they left the organization or the scope): not re-checked, so their findings
 * are carried, never resolved. What Summarize sent to Security Hub for the accounts it analysed itself.
 */
async function addAccounts(
  run: RunRef,
  entries: readonly ManifestEntry[],
  listing: readonly ManifestEntry[] | undefined,
  known: PreviousFindings,
  combiner: RunCombiner,
  settings: AnalysisSettings,
  deps: CombineDeps,
): Promise<SecurityHubResult | undefined> {
  const retry = <T>(work: () => Promise<T>) => withRetries(work, deps.retryPauseMs);
  let securityHub: SecurityHubResult | undefined;
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
  if (!listing) return securityHub;
  const listed = new Set(listing.map((entry) => entry.accountId));
  const gone = (await retry(() => known.accountIds())).filter((id) => !listed.has(id));
  for (const accountId of gone) {
    const analysis = await retry(() => carried(run, { id: accountId }, known, deps));
    if (analysis.notRechecked.length > 0) await combiner.add(analysis);
  }
  return securityHub;
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
  const recorded = deps.actedIn && !deps.actedIn.has(account.id) ? [] : readKeyActions(deps, run, account.id);
  const [iam, before, actions] = await Promise.all([readStoredIamAccount(deps, run, account.id), known.of(account.id), recorded]);
  // Keys the collector acted on before it left the analysis to Summarize: stored with the analysis it makes.
  return analyseAccount({ account, run, csv, generatedAt, ...(iam ? { iam } : {}), known: before }, settings, deps, hub, { recorded: actions });
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
