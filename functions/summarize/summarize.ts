import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import pLimit from "p-limit";
import type { SummarizeInput } from "../contracts";
import { describeAwsError, InvalidInput, StoreFailed } from "../errors";
import type { Log } from "../log";
import { manifestKey, reportKey } from "../report-keys";
import { putIfAbsent } from "../write-once";
import { buildManifest, type Manifest, runSummaryMessage, type StoredReport } from "./manifest";

export interface SummarizeDeps {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly bucket: string;
  readonly topicArn: string;
  readonly now: () => Date;
  readonly log: Log;
}

export interface RunSummary {
  readonly manifestKey: string;
  readonly counts: Manifest["counts"];
}

// HEAD requests in flight at once while reading back the stored reports.
const READ_BACK_CONCURRENCY = 16;

/** Writes the run's manifest beside its reports and publishes a summary when an account failed. */
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

  if (manifest.counts.failed > 0) {
    await deps.sns.send(
      new PublishCommand({
        TopicArn: deps.topicArn,
        Subject: `IAM credential report: ${manifest.counts.failed} account(s) failed`,
        Message: runSummaryMessage(manifest, deps.bucket, key),
      }),
    );
  }
  return { manifestKey: key, counts: manifest.counts };
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
