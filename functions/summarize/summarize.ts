import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import pLimit from "p-limit";
import type { AcceptedRisk } from "../analysis/accepted-risks";
import { DEFAULT_THRESHOLDS, type FindingThresholds } from "../analysis/findings";
import type { AccountOutcome, CombineShardInput, InShards, MergeShardsInput, RunRef, SecurityHubResult, StoredRunInput, StoredRunRef, SummarizeInput } from "../run/contracts";
import { describeAwsError, InvalidInput, TransientAwsError } from "../run/errors";
import type { Log } from "../log";
import { listKeys } from "../storage/list-keys";
import { readIfPresent } from "../storage/read-if-present";
import { manifestKey, reportKey, runPrefix, summarizePartsPrefix } from "../run/report-keys";
import { storeOnce } from "../storage/write-once";
import { withRetries } from "../aws/with-retries";
import { readAccountList } from "../storage/account-list";
import { buildManifest, type FindingsDigest, type Manifest, type ReadBack, runSummaryMessage } from "./manifest";
import { outcomesOfRun, readMapResults } from "./map-results";
import { noticeReasons, noticeReasonsLine, noticeSubject, remediationLine } from "./run-notice";
import { runCompletedEvent } from "./run-event";
import { summarizeInputFromStoredRun } from "./stored-run";
import { analysisKey } from "../run/report-keys";
import type { SecurityHubDeps, SecurityHubOutcome } from "../aws/security-hub";
import { addSecurityHubResults, combineShard, combineStoredRun, inAccountOrder, mergeShards } from "./combine-run";
import { planShards, type ShardLimits } from "./shards";
import type { StagingPlace } from "./streamed-files";
import type { AnalysisSettings } from "../analysis-step";
import { findPreviousRun } from "../storage/analysis-store";
import { type OwnerNotice, ownerMessage } from "../org-report/owner-notices";
import type { CombinedRun } from "../org-report/run-combiner";

export interface SummarizeDeps {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly bucket: string;
  /** Where the run summary is published; unset (summarising a stored run by hand), nothing is. */
  readonly topicArn?: string;
  /** Puts the run's event on the default bus; unset (summarising a stored run by hand), none is put. */
  readonly events?: EventBridgeClient;
  readonly now: () => Date;
  readonly log: Log;
  /** Where the findings draw their lines. @default DEFAULT_THRESHOLDS */
  readonly thresholds?: FindingThresholds;
  /** The first pause before a read or write AWS answered "later" is tried again, doubling. @default 200 */
  readonly retryPauseMs?: number;
  /** Known exceptions and break-glass users. @default none */
  readonly acceptedRisks?: readonly AcceptedRisk[];
  /**
   * With Security Hub on: where the findings go. The batches send each account's where they read
   * its report; Summarize sends those of the accounts it analyses itself. Unset, none are sent.
   */
  readonly securityHub?: Pick<SecurityHubDeps, "clientFor"> & { readonly partition: string; readonly region: string };
  /**
   * Where a stored run's Distributed Map results are, when an execution summarises one, and where
   * the combined files' large parts wait (nothing on disk) when it is not the report bucket. @default bucket
   */
  readonly mapBucket?: string;
  /** How much one invocation combines before the run is combined in shards. @default SHARD_LIMITS */
  readonly shardLimits?: ShardLimits;
}

/** Every input Summarize takes: a run or a stored run to summarise, one shard of one, or the merge of its shards. */
export type SummarizeStepInput = SummarizeInput | StoredRunInput | CombineShardInput | MergeShardsInput;

/** What Summarize returns when the run is combined in shards: the manifest is stored, the combination is the shards' and the merge's. */
export interface SummarizeInShards {
  readonly manifestKey: string;
  readonly counts: Manifest["counts"];
  readonly combineInShards: InShards;
}

/** What a shard returns: its digest and parts are in the staging place. */
export interface ShardCombined {
  readonly shard: number;
}

/** What Summarize returns: the execution's output, for whoever started the run. */
export interface SummarizeResult {
  readonly manifestKey: string;
  readonly counts: Manifest["counts"];
  /** Findings by severity, and how many are new; absent when the analysis failed. */
  readonly findings?: { readonly bySeverity: FindingsDigest["bySeverity"]; readonly new: number };
  /** Why the analysis failed, when it did; the manifest is stored all the same. */
  readonly analysisError?: string;
  /** Why the run's event could not be put, when it could not; nothing else is affected. */
  readonly eventError?: string;
  /** What reached Security Hub, when it is on and the analysis was made; or why nothing did. */
  readonly securityHub?: SecurityHubOutcome;
  /** Messages sent to the accounts' owners (the stack routes to owners), and how many could not be. */
  readonly ownerMessages?: { readonly sent: number; readonly failed: number };
}

// HEAD requests in flight at once while reading back the stored reports.
const READ_BACK_CONCURRENCY = 16;

/**
 * Writes the run's manifest beside its reports, then the analysis (findings, summary, changes,
 * the organization CSV, the HTML report), and publishes a summary when an account failed or a
 * new critical or high finding appeared.
 *
 * Safe to run again for the same run: a manifest already stored is the one kept and used, and
 * so are analysis files already stored. "Try again later" from AWS is thrown as TransientAwsError
 * (the state machine retries this step); anything else that stops the manifest is StoreFailed.
 */
export async function summarize(given: SummarizeInput | StoredRunInput, deps: SummarizeDeps): Promise<SummarizeResult> {
  const step = await summarizeStep(given, deps);
  if (!("combineInShards" in step)) return step;
  // In one process (the CLI, a test), the shards one after another; the state machine runs them as a Map.
  const { run, shards, merge } = step.combineInShards;
  for (const shard of shards) await summarizeStep({ run, combineShard: shard, previousRun: merge.previousRun }, deps);
  return summarizeStep({ run, mergeShards: merge }, deps);
}

/**
 * One invocation of the Summarize function, whichever the state machine asked for: the run (its
 * manifest, then its combination in this invocation, or the shards it is cut into when it is too
 * large for one), one shard, or the merge of the shards and the run's notices.
 */
export async function summarizeStep(given: SummarizeInput | StoredRunInput, deps: SummarizeDeps): Promise<SummarizeResult | SummarizeInShards>;
export async function summarizeStep(given: CombineShardInput, deps: SummarizeDeps): Promise<ShardCombined>;
export async function summarizeStep(given: MergeShardsInput, deps: SummarizeDeps): Promise<SummarizeResult>;
export async function summarizeStep(given: SummarizeStepInput, deps: SummarizeDeps): Promise<SummarizeResult | SummarizeInShards | ShardCombined>;
export async function summarizeStep(given: SummarizeStepInput, deps: SummarizeDeps): Promise<SummarizeResult | SummarizeInShards | ShardCombined> {
  if (given && "combineShard" in given) return combineOneShard(given, deps);
  if (given && "mergeShards" in given) return mergeAllShards(given, deps);
  const input = given && "storedRun" in given ? await storedRunInput(given.storedRun, deps) : given;
  if (typeof input?.run?.id !== "string" || typeof input.listing?.accountList?.key !== "string") {
    throw new InvalidInput(`expected {run, listing: {accountList, toCollect, counts}, results?}, got keys ${Object.keys(input ?? {}).join(", ")}`);
  }
  const { run } = input;
  // Every read and write below is tried again on its own when AWS answers "later", so one
  // throttled call does not send the whole step (and every call it made) round again.
  const retry = <T>(work: () => Promise<T>) => withRetries(work, deps.retryPauseMs);
  const list = await retry(() => readAccountList(run, deps));
  if (!list) throw new InvalidInput(`the run's account list s3://${deps.bucket}/${input.listing.accountList.key} is not there`);
  const listed = await retry(() => listKeys(deps.s3, deps.bucket, runPrefix(run)));
  const children = input.results ? await retry(() => readMapResults(deps.s3, input.results!)) : [];
  // An id that is no account id (a damaged list) has no report: it fails, it does not stop the run.
  const hasReport = (id: string) => /^\d{12}$/.test(id) && listed.has(reportKey(run, id));
  const outcomes = outcomesOfRun(list.accounts, children, hasReport, input.mapError);
  const stored = await readBackReports(run, outcomes, listed, deps, retry);
  const key = manifestKey(run);
  let manifest = buildManifest(run, outcomes, list.skipped, stored, deps.now());
  const body = JSON.stringify(manifest, null, 2);
  const written = await retry(() => storeOnce(deps.s3, { Bucket: deps.bucket, Key: key, Body: body, ContentType: "application/json" }));
  // Run ids are unique, so a manifest already there was written by an earlier try for this run:
  // it is the record, and what follows works from it.
  if (!written) manifest = await retry(() => storedManifest(deps, key));
  deps.log(written ? "manifest-stored" : "manifest-kept", { runId: run.id, key, ...manifest.counts });

  // What the batches sent to Security Hub where they read the reports.
  const fromBatches = outcomes
    .flatMap((o) => (o.status === "collected" && o.securityHub ? [o.securityHub] : []))
    .reduce<SecurityHubResult | undefined>((sum, result) => addSecurityHubResults(sum, result), undefined);
  const staging = stagingOf(run, deps);
  const shards = staging ? planShards(inAccountOrder(manifest), deps.shardLimits) : [];
  if (shards.length > 1) {
    const previous = input.listing.previousRun === undefined ? await retry(() => findPreviousRun(run, deps)) : input.listing.previousRun;
    deps.log("combining-in-shards", { runId: run.id, shards: shards.length });
    return { manifestKey: key, counts: manifest.counts, combineInShards: { run, shards, merge: { count: shards.length, previousRun: previous ?? null, ...(fromBatches ? { fromBatches } : {}) } } };
  }
  const combine = (settings: AnalysisSettings) =>
    combineStoredRun(run, manifest, input.listing.previousRun, settings, {
      ...deps,
      alreadyStored: new Set(listed.keys()),
      ...(deps.securityHub ? { securityHubFor: deps.securityHub.clientFor } : {}),
      ...(staging ? { staging } : {}),
    });
  return analyseAndReport(run, manifest, combine, fromBatches, deps);
}

/** One shard of a run combined in shards: its accounts' parts and digest left for the merge. */
async function combineOneShard(input: CombineShardInput, deps: SummarizeDeps): Promise<ShardCombined> {
  const { run, combineShard: shard } = input;
  const staging = shardsStaging(run, deps);
  const manifest = await withRetries(() => storedManifest(deps, manifestKey(run)), deps.retryPauseMs);
  await combineShard(run, manifest, input.previousRun ?? undefined, shard, analysisSettings(deps), {
    ...deps,
    staging,
    ...(deps.securityHub ? { securityHubFor: deps.securityHub.clientFor } : {}),
  });
  deps.log("shard-combined", { runId: run.id, shard: shard.index, of: shard.count, accounts: shard.end - shard.start });
  return { shard: shard.index };
}

/** The run's files from its shards, then its notices, as for a run combined in one invocation. */
async function mergeAllShards(input: MergeShardsInput, deps: SummarizeDeps): Promise<SummarizeResult> {
  const { run, mergeShards: merge } = input;
  const staging = shardsStaging(run, deps);
  const retry = <T>(work: () => Promise<T>) => withRetries(work, deps.retryPauseMs);
  const manifest = await retry(() => storedManifest(deps, manifestKey(run)));
  const listed = await retry(() => listKeys(deps.s3, deps.bucket, runPrefix(run)));
  const combine = (settings: AnalysisSettings) =>
    mergeShards(run, manifest, merge.previousRun ?? undefined, merge.count, settings, { ...deps, staging, alreadyStored: new Set(listed.keys()) });
  return analyseAndReport(run, manifest, combine, merge.fromBatches, deps);
}

function stagingOf(run: RunRef, deps: SummarizeDeps): StagingPlace | undefined {
  return deps.mapBucket && deps.mapBucket !== deps.bucket ? { bucket: deps.mapBucket, prefix: summarizePartsPrefix(run.id) } : undefined;
}

/** Where a shard's or the merge's parts wait: there must be such a place, or the run is never cut into shards. */
function shardsStaging(run: RunRef, deps: SummarizeDeps): StagingPlace {
  const staging = stagingOf(run, deps);
  if (!staging) throw new InvalidInput("a run is combined in shards only where its parts can wait: the map bucket, apart from the report bucket");
  return staging;
}

function analysisSettings(deps: SummarizeDeps): AnalysisSettings {
  return { thresholds: deps.thresholds ?? DEFAULT_THRESHOLDS, acceptedRisks: deps.acceptedRisks ?? [], ...(deps.securityHub ? { securityHub: deps.securityHub } : {}) };
}

/**
 * The run's analysis (combined by `combine`), then its notice and its event. The manifest is the
 * evidence and is stored already: a failed analysis is reported, not fatal, unless AWS only asked
 * us to come back later.
 */
async function analyseAndReport(
  run: RunRef,
  manifest: Manifest,
  combine: (settings: AnalysisSettings) => Promise<CombinedRun & { readonly securityHub?: SecurityHubResult }>,
  fromBatches: SecurityHubResult | undefined,
  deps: SummarizeDeps,
): Promise<SummarizeResult> {
  const key = manifestKey(run);
  const retry = <T>(work: () => Promise<T>) => withRetries(work, deps.retryPauseMs);
  let digest: FindingsDigest | undefined;
  let analysisError: string | undefined;
  let imported: SecurityHubResult | undefined;
  let owners: readonly OwnerNotice[] = [];
  try {
    const combined = await combine(analysisSettings(deps));
    digest = findingsDigest(run, combined);
    imported = combined.securityHub;
    owners = combined.ownerNotices;
    deps.log("analysis-stored", { runId: run.id, findings: combined.findings, new: combined.overview.changes.new });
  } catch (err) {
    if (err instanceof TransientAwsError) throw err;
    analysisError = String(err);
    deps.log("analysis-failed", { runId: run.id, error: analysisError });
  }

  // What the batches sent to Security Hub where they read the reports, and what Summarize sent for the accounts it analysed.
  const sent = imported ? addSecurityHubResults(fromBatches, imported) : fromBatches;
  const securityHub: SecurityHubOutcome | undefined = deps.securityHub ? (sent ?? { accounts: 0, imported: 0, suppressed: 0, archived: 0, workflowUpdated: 0, failedCount: 0, failed: [] }) : undefined;
  if (sent) deps.log("security-hub-sent", { runId: run.id, ...sent, failed: sent.failedCount });
  const notImported = !securityHub ? 0 : "error" in securityHub ? 1 : securityHub.failedCount;

  const urgent = digest?.urgentCount ?? 0;
  const undecided = digest?.notEvaluated.accounts ?? 0;
  const unreadable = digest?.unreadableReports.length ?? 0;
  const reasons = noticeReasons({
    failedAccounts: manifest.counts.failed,
    unreadableReports: unreadable,
    newUrgentFindings: urgent,
    notEvaluatedAccounts: undecided,
    analysisFailed: analysisError !== undefined,
    securityHubIncomplete: notImported > 0,
    keysDeactivated: digest?.remediation?.deactivated ?? 0,
  });
  if (reasons.length > 0) {
    const message = [
      runSummaryMessage(manifest, deps.bucket, key, digest),
      noticeReasonsLine(reasons),
      analysisError ? `The analysis of this run failed: ${analysisError}` : "",
      securityHub ? securityHubMessage(securityHub) : "",
      digest?.remediation ? remediationLine(digest.remediation, `s3://${deps.bucket}/${analysisKey(run, "actions")}`) : "",
    ].filter(Boolean);
    await retry(() => publish(deps, noticeSubject(reasons), message.join("\n\n")));
  }
  const ownerMessages = await publishToOwners(deps, run, owners);
  const eventError = await putRunEvent(deps, runCompletedEvent(run, manifest, deps.bucket, key, digest, analysisError, securityHub));
  return {
    manifestKey: key,
    counts: manifest.counts,
    ...(digest ? { findings: { bySeverity: digest.bySeverity, new: digest.newCount } } : {}),
    ...(analysisError ? { analysisError } : {}),
    ...(eventError ? { eventError } : {}),
    ...(securityHub ? { securityHub } : {}),
    ...(ownerMessages ? { ownerMessages } : {}),
  };
}

// Owner messages sent at once: SNS takes thousands of publishes a second, but each is one request of Summarize's.
const OWNER_MESSAGES_AT_ONCE = 8;

/**
 * One message per owner with something to hear, with the attributes their subscriptions filter
 * on. A message that cannot be sent (after its retries) is counted and logged with its owner's
 * address left out; the run's files and the central notice are what a run guarantees.
 */
async function publishToOwners(deps: SummarizeDeps, run: RunRef, notices: readonly OwnerNotice[]): Promise<SummarizeResult["ownerMessages"]> {
  if (!deps.topicArn || notices.length === 0) return undefined;
  const reportUrl = `s3://${deps.bucket}/${analysisKey(run, "html")}`;
  const limit = pLimit(OWNER_MESSAGES_AT_ONCE);
  const results = await Promise.all(
    notices.map((notice) =>
      limit(async () => {
        const { subject, message, attributes } = ownerMessage(notice, { id: run.id, reportUrl }, deps.thresholds ?? DEFAULT_THRESHOLDS);
        const list = (values: readonly string[]) => ({ DataType: "String.Array", StringValue: JSON.stringify(values) });
        const MessageAttributes = {
          owner: { DataType: "String", StringValue: attributes.owner },
          ...(attributes.accountId.length > 0 ? { accountId: list(attributes.accountId) } : {}),
          ...(attributes.ou.length > 0 ? { ou: list(attributes.ou) } : {}),
          ...(attributes.severity.length > 0 ? { severity: list(attributes.severity) } : {}),
        };
        try {
          await withRetries(() => deps.sns.send(new PublishCommand({ TopicArn: deps.topicArn, Subject: subject, Message: message, MessageAttributes })), deps.retryPauseMs);
          return true;
        } catch (err) {
          deps.log("owner-message-failed", { runId: run.id, accounts: notice.accounts.length, error: describeAwsError(err).code });
          return false;
        }
      }),
    ),
  );
  const sent = results.filter(Boolean).length;
  deps.log("owner-messages-sent", { runId: run.id, sent, failed: results.length - sent });
  return { sent, failed: results.length - sent };
}


/** A stored run's Summarize input, from what it stored; its id and day checked first, as they name S3 keys. */
async function storedRunInput(stored: StoredRunRef, deps: SummarizeDeps): Promise<SummarizeInput> {
  if (typeof stored?.id !== "string" || !/^[A-Za-z0-9_.-]{1,80}$/.test(stored.id) || typeof stored.date !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(stored.date)) {
    throw new InvalidInput(`summarizeRun must be {"id": "<execution name>", "date": "YYYY-MM-DD"}, got ${JSON.stringify(stored)}`);
  }
  return withRetries(() => summarizeInputFromStoredRun(stored.id, stored.date, { s3: deps.s3, bucket: deps.bucket, mapBucket: deps.mapBucket }), deps.retryPauseMs);
}

/** What reached Security Hub, in a few lines: for the SNS summary and the CLI. */
export function securityHubMessage(result: SecurityHubOutcome): string {
  if ("error" in result) return `Nothing was sent to Security Hub: ${result.error}`;
  const lines = [
    `Security Hub: ${result.imported} finding(s) imported in ${result.accounts} account(s) (${result.suppressed} suppressed as accepted risks), ${result.archived} archived as resolved, ${result.workflowUpdated} moved as their accepted risk began or ended.`,
  ];
  if (result.failedCount > 0) {
    lines.push(`${result.failedCount} could not be sent:`, ...result.failed.map((f) => `- ${f.accountId}${f.id ? ` ${f.id}` : ""}: ${f.error}`));
    if (result.failedCount > result.failed.length) lines.push(`- ... and ${result.failedCount - result.failed.length} more`);
  }
  return lines.join("\n");
}

/**
 * The run's event, for rules of the user's own. An event that cannot be put (after the SDK's
 * retries) is logged and returned: the files and the SNS summary are what a run guarantees.
 */
async function putRunEvent(deps: SummarizeDeps, entry: PutEventsRequestEntry): Promise<string | undefined> {
  if (!deps.events) return undefined;
  try {
    const answer = await withRetries(() => deps.events!.send(new PutEventsCommand({ Entries: [entry] })), deps.retryPauseMs);
    const failed = answer.Entries?.find((e) => e.ErrorCode);
    if (!failed && !answer.FailedEntryCount) return undefined;
    const error = `PutEvents: ${failed?.ErrorCode ?? "FailedEntry"}: ${failed?.ErrorMessage ?? ""}`.trim();
    deps.log("run-event-failed", { error });
    return error;
  } catch (err) {
    const aws = describeAwsError(err);
    const error = `PutEvents: ${aws.code}: ${aws.message}`;
    deps.log("run-event-failed", { error });
    return error;
  }
}

/**
 * Which collected reports are in the bucket, and what they are. One listing of the run's folder
 * says which keys exist and their sizes (a HEAD of a missing key may answer 403 rather than 404,
 * see read-if-present.ts). A report whose collector recorded what it stored, and whose listed size
 * matches, needs nothing more: S3 checked its SHA-256 when it arrived. Any other is read back with
 * a HEAD, for the checksum and report time in its metadata: 10,000 HEADs saved on a full run.
 */
async function readBackReports(
  run: RunRef,
  outcomes: readonly AccountOutcome[],
  listed: ReadonlyMap<string, number>,
  deps: SummarizeDeps,
  retry: <T>(work: () => Promise<T>) => Promise<T>,
): Promise<Map<string, ReadBack>> {
  const limit = pLimit(READ_BACK_CONCURRENCY);
  const collected = outcomes.filter((outcome) => outcome.status === "collected");
  return new Map(
    await Promise.all(
      collected.map((outcome) =>
        limit(async (): Promise<[string, ReadBack]> => {
          const key = reportKey(run, outcome.id);
          const bytes = listed.get(key);
          if (bytes === undefined) return [outcome.id, { kind: "missing", reason: `no object at ${key}` }];
          if (outcome.status === "collected" && outcome.report?.bytes === bytes) {
            const { sha256, generatedAt } = outcome.report;
            return [outcome.id, { kind: "verified", report: { key, bytes, sha256, reportGeneratedAt: generatedAt } }];
          }
          try {
            const head = await retry(() => deps.s3.send(new HeadObjectCommand({ Bucket: deps.bucket, Key: key })));
            const report = {
              key,
              bytes: head.ContentLength ?? bytes,
              sha256: head.Metadata?.sha256 ?? "",
              reportGeneratedAt: head.Metadata?.["report-generated-at"] ?? "",
            };
            return [outcome.id, { kind: "verified", report }];
          } catch (err) {
            // It is listed, so it is there: say what could not be checked rather than call it missing.
            const aws = describeAwsError(err);
            return [outcome.id, { kind: "unverified", key, bytes, reason: `HeadObject: ${aws.code}: ${aws.message}` }];
          }
        }),
      ),
    ),
  );
}

async function storedManifest(deps: SummarizeDeps, key: string): Promise<Manifest> {
  const text = await readIfPresent(deps.s3, deps.bucket, key);
  if (text === undefined) throw new InvalidInput(`${key} was there a moment ago and is gone`);
  return JSON.parse(text) as Manifest;
}

async function publish(deps: SummarizeDeps, subject: string, message: string): Promise<void> {
  if (!deps.topicArn) return;
  try {
    await deps.sns.send(new PublishCommand({ TopicArn: deps.topicArn, Subject: subject, Message: message }));
  } catch (err) {
    const aws = describeAwsError(err);
    // The files are stored; a retry of this step keeps them and publishes again.
    if (aws.transient) throw new TransientAwsError(aws.code, `publishing the run summary: ${aws.message}`);
    throw err;
  }
}

/** What the SNS run summary and the run's event say about the analysis. */
function findingsDigest(run: RunRef, combined: CombinedRun): FindingsDigest {
  const { overview } = combined;
  return {
    bySeverity: overview.bySeverity,
    total: overview.totals.findings,
    newCount: overview.changes.new,
    resolvedCount: overview.changes.resolved,
    notRechecked: { findings: overview.notRechecked.findings, accountIds: combined.notRecheckedAccounts },
    previousRunId: overview.changes.previousRunId,
    urgent: overview.urgent.listed,
    urgentCount: overview.urgent.count,
    notEvaluated: overview.notEvaluated,
    unreadableReports: overview.unreadableReports,
    reportKey: analysisKey(run, "html"),
    remediation: overview.remediation,
  };
}
