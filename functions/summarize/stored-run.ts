import type { S3Client } from "@aws-sdk/client-s3";
import type { AccountOutcome, RunRef, SummarizeInput } from "../contracts";
import { InvalidInput } from "../errors";
import { listKeys } from "../list-keys";
import { readAccountList } from "../list-accounts/account-list";
import { accountListKey, reportKey, runPrefix } from "../report-keys";

/** Why an account has no outcome but "no report": the run ended before recording one. */
export const OUTCOME_NOT_RECORDED = "OutcomeNotRecorded";

/**
 * The Summarize input of a run, rebuilt from what the run stored: its account list (accounts.json)
 * and the reports in its folder. An account with a report is collected; one without is failed,
 * its error unknown, because the run stopped (timed out, or Summarize never finished) before it
 * was recorded. This is how a run whose manifest could not be written is summarised afterwards.
 */
export async function summarizeInputFromStoredRun(runId: string, date: string, store: { s3: S3Client; bucket: string }): Promise<SummarizeInput> {
  // Only the date of startedAt is in the key; the list holds the real start time.
  const list = await readAccountList({ id: runId, startedAt: `${date}T00:00:00Z` }, store);
  if (!list) {
    throw new InvalidInput(
      `${accountListKey({ id: runId, startedAt: `${date}T00:00:00Z` })} is not in s3://${store.bucket}: without the run's account list it cannot be told which accounts the run covered`,
    );
  }
  const run: RunRef = list.run;
  const stored = await listKeys(store.s3, store.bucket, runPrefix(run));
  const accounts: AccountOutcome[] = list.accounts.map((account) =>
    stored.has(reportKey(run, account.id))
      ? { ...account, status: "collected", attempts: 0 }
      : {
          ...account,
          status: "failed",
          attempts: 0,
          error: { Error: OUTCOME_NOT_RECORDED, Cause: `${OUTCOME_NOT_RECORDED}: no report was stored for this account, and the run ended before its outcome was recorded` },
        },
  );
  return { run, listing: { accounts, skipped: list.skipped } };
}
