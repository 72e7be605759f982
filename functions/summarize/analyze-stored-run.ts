import { GetObjectCommand, paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { analysisFiles, analyzeRun, notRecheckedAccounts, type RunAnalysis, urgentNewFindings } from "../analysis/analyze-run";
import type { AcceptedRisk } from "../analysis/accepted-risks";
import type { FindingChanges, KnownFindings } from "../analysis/changes";
import type { Finding, FindingThresholds } from "../analysis/findings";
import type { RunRef } from "../contracts";
import { describeAwsError, TransientAwsError } from "../errors";
import type { Log } from "../log";
import { ANALYSIS_FILES, analysisKey, manifestKey, REPORTS_PREFIX, reportKey, runDate } from "../report-keys";
import { storeOnce } from "../write-once";
import { readIfPresent } from "../read-if-present";
import type { FindingsDigest, Manifest } from "./manifest";

export interface AnalysisDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly log: Log;
  /** @default DEFAULT_THRESHOLDS */
  readonly thresholds?: FindingThresholds;
  /** @default none */
  readonly acceptedRisks?: readonly AcceptedRisk[];
}

// Reports read at once; each is a few KB to a few MB.
const READ_CONCURRENCY = 16;

/** Reads the run's stored reports, analyses them against the previous run, and stores the results. */
export async function analyzeStoredRun(run: RunRef, manifest: Manifest, deps: AnalysisDeps): Promise<RunAnalysis> {
  const limit = pLimit(READ_CONCURRENCY);
  const collected = manifest.accounts.filter((entry) => entry.status === "collected");
  const reports = await Promise.all(
    collected.map((entry) =>
      limit(async () => ({
        accountId: entry.accountId,
        accountName: entry.name,
        csv: await readText(deps, reportKey(run, entry.accountId)).catch((err) => {
          const aws = describeAwsError(err);
          // "Later" is not "unreadable": the step is retried rather than the report written off.
          if (aws.transient) throw new TransientAwsError(aws.code, `reading ${reportKey(run, entry.accountId)}: ${aws.message}`);
          return { readError: `${aws.code}: ${aws.message}` };
        }),
        generatedAt: entry.reportGeneratedAt ? new Date(entry.reportGeneratedAt) : undefined,
      })),
    ),
  );
  const previous = await previousRunFindings(run, deps);
  const analysis = analyzeRun({ runId: run.id, runStartedAt: new Date(run.startedAt), reports, previous, thresholds: deps.thresholds, acceptedRisks: deps.acceptedRisks });
  await storeAnalysis(run, analysis, deps);
  return analysis;
}

/** What the SNS run summary says about the analysis. */
export function findingsDigest(run: RunRef, analysis: RunAnalysis): FindingsDigest {
  return {
    bySeverity: analysis.summary.bySeverity,
    total: analysis.summary.totals.findings,
    newCount: analysis.changes.newFindings.length,
    resolvedCount: analysis.changes.resolvedFindings.length,
    notRechecked: { findings: analysis.changes.notRechecked.length, accountIds: notRecheckedAccounts(analysis.changes) },
    previousRunId: analysis.changes.previousRunId,
    urgent: urgentNewFindings(analysis.changes, analysis.risks).map((f) => ({ severity: f.severity, message: f.message })),
    reportKey: analysisKey(run, "html"),
  };
}

async function storeAnalysis(run: RunRef, analysis: RunAnalysis, deps: AnalysisDeps): Promise<void> {
  for (const [file, { body, contentType }] of Object.entries(analysisFiles(run, analysis))) {
    const key = analysisKey(run, file as keyof typeof ANALYSIS_FILES);
    // An earlier try of this step may have stored it already: the first copy stays.
    await storeOnce(deps.s3, { Bucket: deps.bucket, Key: key, Body: body, ContentType: contentType });
  }
  deps.log("analysis-stored", { runId: run.id, findings: analysis.findings.length, new: analysis.changes.newFindings.length });
}

/**
 * The findings of the latest earlier run that has them, with those it carried forward: days newest
 * first, and within a day runs by their manifest's start time (run ids are not ordered).
 */
export async function previousRunFindings(run: RunRef, deps: AnalysisDeps): Promise<KnownFindings | undefined> {
  const today = runDate(run);
  const dates = (await listFolders(deps, REPORTS_PREFIX))
    .map((folder) => /^date=(\d{4}-\d{2}-\d{2})\/$/.exec(folder)?.[1])
    .filter((date): date is string => date !== undefined && date <= today)
    .sort()
    .reverse();
  for (const date of dates) {
    const runs: { id: string; startedAt: string }[] = [];
    for (const folder of await listFolders(deps, `${REPORTS_PREFIX}date=${date}/`)) {
      const id = /^run=([A-Za-z0-9_.-]+)\/$/.exec(folder)?.[1];
      if (!id || id === run.id) continue;
      // Only the date of startedAt goes into the key.
      const manifest = await readJson<Manifest>(deps, manifestKey({ id, startedAt: `${date}T00:00:00Z` }));
      if (manifest && manifest.startedAt < run.startedAt) runs.push({ id, startedAt: manifest.startedAt });
    }
    for (const earlier of runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt))) {
      const stored = await readJson<{ findings: Finding[] }>(deps, analysisKey(earlier, "findings"));
      if (!stored) continue;
      const changes = await readJson<Partial<FindingChanges>>(deps, analysisKey(earlier, "changes"));
      return { runId: earlier.id, findings: stored.findings, notRechecked: changes?.notRechecked ?? [] };
    }
  }
  return undefined;
}

/** The sub-folders directly under a prefix, named relative to it (`date=.../`, `run=.../`). */
async function listFolders(deps: AnalysisDeps, prefix: string): Promise<string[]> {
  const folders: string[] = [];
  try {
    for await (const page of paginateListObjectsV2({ client: deps.s3 }, { Bucket: deps.bucket, Prefix: prefix, Delimiter: "/" })) {
      folders.push(...(page.CommonPrefixes ?? []).map((p) => (p.Prefix ?? "").slice(prefix.length)));
    }
  } catch (err) {
    const aws = describeAwsError(err);
    if (aws.transient) throw new TransientAwsError(aws.code, `listing ${prefix}: ${aws.message}`);
    throw err;
  }
  return folders;
}

async function readText(deps: AnalysisDeps, key: string): Promise<string> {
  const object = await deps.s3.send(new GetObjectCommand({ Bucket: deps.bucket, Key: key }));
  return (await object.Body?.transformToString("utf-8")) ?? "";
}

/** A JSON object, or undefined when there is none (a run from before the analysis, or one that failed). */
async function readJson<T>(deps: AnalysisDeps, key: string): Promise<T | undefined> {
  const text = await readIfPresent(deps.s3, deps.bucket, key);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}
