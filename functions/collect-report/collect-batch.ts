import pLimit from "p-limit";
import type { AccountOutcome, BatchProgress, BatchState, PendingAccount, SecurityHubResult } from "../run/contracts";
import { InvalidInput, PipelineError, ReportTimedOut } from "../run/errors";
import { ACCOUNTS_AT_ONCE_PER_BATCH, pollWaitSeconds } from "../run/settings";
import { MAX_FAILURES_LISTED } from "../aws/security-hub";
import { type AccountSession, collectAccount, type CollectDeps } from "./collect-report";

/** What a batch call needs beyond one account's collection: a way to pause between tries. */
export interface BatchDeps extends CollectDeps {
  readonly sleep: (ms: number) => Promise<void>;
}

/**
 * The pauses between an account's tries within one call: IAM usually has a report within a few
 * seconds, so most accounts finish in the call that started them. 15 s in all per account keeps a
 * batch of 100 (10 at a time) well inside the function's timeout.
 */
export const IN_CALL_PAUSES_MS: readonly number[] = [1_000, 2_000, 4_000, 8_000];

/**
 * One round of a batch: every account still pending is tried, and retried within the call while
 * its report is not ready and the call's poll budget lasts. Finished accounts (stored, or failed
 * with a named error) go to `done` and are never called again; the rest go back to the state
 * machine, which waits `waitSeconds` and calls again. An account fails as timed out after
 * `maxAttempts` rounds. One account's failure never stops the others.
 */
export async function collectBatch(state: BatchState, deps: BatchDeps): Promise<BatchProgress> {
  assertBatchState(state);
  const { run, poll } = state.BatchInput;
  const previousRun = state.BatchInput.previousRun ?? undefined;
  const pending: PendingAccount[] = state.progress?.pending ?? state.Items.map((account) => ({ account, attempts: 0 }));
  const done: AccountOutcome[] = [...(state.progress?.done ?? [])];
  const stillPending: PendingAccount[] = [];
  const limit = pLimit(ACCOUNTS_AT_ONCE_PER_BATCH);

  await Promise.all(
    pending.map(({ account, attempts: before }) =>
      limit(async () => {
        const attempts = before + 1;
        try {
          const session: AccountSession = { generating: false };
          for (let tries = 0; ; tries++) {
            const tried = await collectAccount(account, run, attempts, deps, session, previousRun);
            if (tried.stored) {
              const { report, securityHub } = tried;
              done.push({ ...account, status: "collected", attempts, report, ...(securityHub ? { securityHub: withinNamedFailures(done, securityHub) } : {}) });
              return;
            }
            if (tries >= IN_CALL_PAUSES_MS.length) {
              if (attempts >= poll.maxAttempts) {
                throw new ReportTimedOut(`${tried.reason}; still not stored after ${attempts} of ${poll.maxAttempts} rounds`);
              }
              stillPending.push({ account, attempts });
              return;
            }
            await deps.sleep(IN_CALL_PAUSES_MS[tries]);
          }
        } catch (err) {
          // Recorded, not thrown: the batch's other accounts go on.
          const error = err instanceof Error ? err : new Error(String(err));
          done.push({ ...account, status: "failed", attempts, error: { Error: error.name, Cause: error.message } });
          // One line per failed account, which docs/operations.md's troubleshooting filters on; an unexpected error with its text.
          deps.log("account-failed", { accountId: account.id, runId: run.id, error: error.name, ...(err instanceof PipelineError ? {} : { message: error.message }) });
        }
      }),
    ),
  );

  const byId = <T extends { id: string }>(a: T, b: T) => a.id.localeCompare(b.id);
  stillPending.sort((a, b) => byId(a.account, b.account));
  const round = Math.max(0, ...stillPending.map((p) => p.attempts));
  return {
    done: done.sort(byId),
    pending: stillPending,
    pendingCount: stillPending.length,
    waitSeconds: stillPending.length > 0 ? pollWaitSeconds(round, poll.intervalSeconds) : 0,
  };
}

function assertBatchState(state: BatchState): void {
  const accountOk = (a: { id?: unknown; name?: unknown } | undefined) => typeof a?.id === "string" && /^\d{12}$/.test(a.id) && typeof a.name === "string";
  const ok =
    Array.isArray(state?.Items) &&
    state.Items.every(accountOk) &&
    typeof state.BatchInput?.run?.id === "string" &&
    typeof state.BatchInput.run.startedAt === "string" &&
    Number.isInteger(state.BatchInput.poll?.maxAttempts) &&
    Number.isInteger(state.BatchInput.poll?.intervalSeconds) &&
    (state.progress === undefined || (Array.isArray(state.progress.done) && Array.isArray(state.progress.pending)));
  if (!ok) {
    throw new InvalidInput(
      `expected {Items: [{id: <12 digits>, name}], BatchInput: {run: {id, startedAt}, poll: {maxAttempts, intervalSeconds}}, progress?}, got ${JSON.stringify(state).slice(0, 300)}`,
    );
  }
}

/**
 * An account's Security Hub result with no more failures named than the batch has room for: the
 * run names its first MAX_FAILURES_LISTED (the counts have them all), and a batch's state, which
 * carries every outcome of the batch, must stay small (Step Functions allows 256 KiB).
 */
function withinNamedFailures(done: readonly AccountOutcome[], result: SecurityHubResult): SecurityHubResult {
  const named = done.reduce((n, outcome) => n + (outcome.status === "collected" ? (outcome.securityHub?.failed.length ?? 0) : 0), 0);
  return { ...result, failed: result.failed.slice(0, Math.max(0, MAX_FAILURES_LISTED - named)) };
}
