import type { S3Client } from "@aws-sdk/client-s3";
import type { RunRef, SummarizeInput } from "../run/contracts";
import { InvalidInput } from "../run/errors";
import { readAccountList } from "../storage/account-list";
import { listKeys } from "../storage/list-keys";
import { accountListKey, mapRunPrefix, toCollectKey } from "../run/report-keys";

/**
 * The Summarize input of a stored run, from what the run stored: its account list and, when the
 * Map got that far, the ResultWriter's results. This is how a run that timed out, or whose
 * manifest could not be written, is summarised afterwards.
 */
export async function summarizeInputFromStoredRun(
  runId: string,
  date: string,
  store: { readonly s3: S3Client; readonly bucket: string; readonly mapBucket?: string },
): Promise<SummarizeInput> {
  // Only the date of startedAt is in the key; the list holds the real start time.
  const dated: RunRef = { id: runId, startedAt: `${date}T00:00:00Z` };
  const list = await readAccountList(dated, store);
  if (!list) {
    throw new InvalidInput(`${accountListKey(dated)} is not in s3://${store.bucket}: without the run's account list it cannot be told which accounts the run covered`);
  }
  const run = list.run;
  const mapBucket = store.mapBucket ?? store.bucket;
  // <prefix>/<map run id>/manifest.json; a run has one Map run.
  const resultManifest = [...(await listKeys(store.s3, mapBucket, mapRunPrefix(run.id))).keys()].find((key) => key.endsWith("/manifest.json"));
  return {
    run,
    listing: {
      accountList: { bucket: store.bucket, key: accountListKey(run) },
      toCollect: { bucket: mapBucket, key: toCollectKey(run) },
      counts: { accounts: list.accounts.length, skipped: list.skipped.length },
    },
    ...(resultManifest ? { results: { MapRunArn: "", ResultWriterDetails: { Bucket: mapBucket, Key: resultManifest } } } : {}),
  };
}
