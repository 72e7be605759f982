import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import pLimit from "p-limit";
import type { SummarizeInput } from "../contracts";
import { describeAwsError, InvalidInput, StoreFailed } from "../errors";
import type { Log } from "../log";
import { manifestKey, reportKey } from "../report-keys";
import { putIfAbsent } from "../write-once";
import { buildManifest, type FindingsDigest, type Manifest, runSummaryMessage, type StoredReport } from "./manifest";
import { analyzeStoredRun, findingsDigest } from "./run-analysis";
import type { FindingThresholds } from "../analysis/findings";

export interface SummarizeDeps {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly bucket: string;
  readonly topicArn: string;
  readonly now: () => Date;
  readonly log: Log;
  /** Where the findings draw their lines. @default DEFAULT_THRESHOLDS */
  readonly thresholds?: FindingThresholds;
}

export interface RunSummary {
  readonly manifestKey: string;
  readonly counts: Manifest["counts"];
  /** Findings by severity, and how many are new; absent when the analysis failed. */
  readonly findings?: { readonly bySeverity: FindingsDigest["bySeverity"]; readonly new: number };
}

// HEAD requests in flight at once while reading back the stored reports.
const READ_BACK_CONCURRENCY = 16;

/**
 * Writes the run's manifest beside its reports, then the analysis (findings, summary, changes,
 * the organization CSV, the HTML report), and publishes a summary when an account failed or a
 * new critical or high finding appeared.
 */
export async function summarize(input: SummarizeInput, deps: SummarizeDeps): Promise<RunSummary> {
  if (!input?.run || !Array.isArray(input.listing?.accounts) || !Array.isArray(input.listing.skipped)) {
    throw new InvalidInput("expected {run, listing: {accounts, skipped}}");
  }
  const { run, listing } = input;
  const collected = listing.accounts.filter((outcome) => outcome.status === "collected");
  const limit = pLimit(READ_BACK_CONCURRENCY);
  const stored = new Map(
    await Promise.all(collected.map((outcome) => limit(async () => [outcome.id, await readBack(deps, reportKey(run, outcome.id))] as const))),
  );
  const manifest = buildManifest(run, listing.accounts, listing.skipped, stored, deps.now());
  const key = manifestKey(run);
  let written: boolean;
  try {
    written = await putIfAbsent(deps.s3, {
      Bucket: deps.bucket,
      Key: key,
      Body: JSON.stringify(manifest, null, 2),
      ContentType: "application/json",
    });
  } catch (err) {
    const aws = describeAwsError(err);
    throw new StoreFailed(aws.code, `manifest ${key}: ${aws.message}`);
  }
  // Run ids are unique, so an existing manifest was written by an earlier try of this same step
  // (one whose publish failed): keep it and go on to publish.
  deps.log(written ? "manifest-stored" : "manifest-kept", { runId: run.id, key, ...manifest.counts });

  // The manifest is the evidence and is stored already; a failed analysis is reported, not fatal.
  let digest: FindingsDigest | undefined;
  let analysisError: string | undefined;
  try {
    digest = findingsDigest(run, await analyzeStoredRun(run, manifest, deps));
  } catch (err) {
    analysisError = String(err);
    deps.log("analysis-failed", { runId: run.id, error: analysisError });
  }

  const urgent = digest?.urgent.length ?? 0;
  if (manifest.counts.failed > 0 || urgent > 0 || analysisError) {
    const reasons = [
      manifest.counts.failed > 0 ? `${manifest.counts.failed} account(s) failed` : "",
      urgent > 0 ? `${urgent} new critical or high finding(s)` : "",
      analysisError ? "analysis failed" : "",
    ].filter(Boolean);
    const message = runSummaryMessage(manifest, deps.bucket, key, digest);
    await deps.sns.send(
      new PublishCommand({
        TopicArn: deps.topicArn,
        Subject: `IAM credential report: ${reasons.join(", ")}`,
        Message: analysisError ? `${message}\n\nThe analysis of this run failed: ${analysisError}` : message,
      }),
    );
  }
  return {
    manifestKey: key,
    counts: manifest.counts,
    ...(digest ? { findings: { bySeverity: digest.bySeverity, new: digest.newCount } } : {}),
  };
}

async function readBack(deps: SummarizeDeps, key: string): Promise<StoredReport | Error> {
  try {
    const head = await deps.s3.send(new HeadObjectCommand({ Bucket: deps.bucket, Key: key }));
    return {
      key,
      bytes: head.ContentLength ?? 0,
      sha256: head.Metadata?.sha256 ?? "",
      reportGeneratedAt: head.Metadata?.["report-generated-at"] ?? "",
    };
  } catch (err) {
    const aws = describeAwsError(err);
    return new Error(`${key} could not be read back: ${aws.code}: ${aws.message}`);
  }
}
