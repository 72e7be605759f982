import { wholeNumberProblem } from "../whole-number";

/** How a run behaves; the same values feed the deployed state machine and the local runner. */
export interface PipelineSettings {
  /**
   * Batches collected at the same time: the Distributed Map's MaxConcurrency, each batch a child
   * execution whose CollectReport works on up to {@link ACCOUNTS_AT_ONCE_PER_BATCH} accounts at once.
   * @default 10
   */
  readonly maxConcurrency: number;
  /**
   * Accounts per batch (the Map's ItemBatcher MaxItemsPerBatch): one child execution, and one
   * CollectReport call per round, for this many accounts.
   * @default 25
   */
  readonly accountsPerBatch: number;
  /**
   * Rounds of its batch an account may take before it fails as timed out.
   * @default 15
   */
  readonly maxPollAttempts: number;
  /**
   * First wait between two rounds of a batch whose accounts' reports are not all ready; each later
   * wait doubles, up to {@link MAX_POLL_WAIT_SECONDS}.
   * @default 10
   */
  readonly pollIntervalSeconds: number;
  /**
   * A run that has not finished after this many minutes stops (the execution's TimeoutSeconds),
   * so a dead endpoint or a stuck account cannot hold a run for days. Its stored reports stay,
   * and the run can be summarised afterwards from S3.
   * @default 360
   */
  readonly runTimeoutMinutes: number;
}

export const DEFAULT_SETTINGS: PipelineSettings = {
  maxConcurrency: 10,
  accountsPerBatch: 25,
  maxPollAttempts: 15,
  pollIntervalSeconds: 10,
  runTimeoutMinutes: 360,
};

/**
 * Accounts of one batch that CollectReport works on at once. With maxConcurrency batches, at most
 * maxConcurrency x this many accounts are in flight (10 x 10 by default: far below STS's and IAM's
 * request rates, which IAM counts per member account anyway).
 */
export const ACCOUNTS_AT_ONCE_PER_BATCH = 10;

/** No single wait is longer than this, so a slow report is looked at again every five minutes. */
export const MAX_POLL_WAIT_SECONDS = 300;

/** The wait after the given (1-based) attempt: interval, 2x, 4x, ... capped. */
export function pollWaitSeconds(attempt: number, intervalSeconds: number): number {
  return Math.min(intervalSeconds * 2 ** (attempt - 1), Math.max(intervalSeconds, MAX_POLL_WAIT_SECONDS));
}

/** The bounds of each setting, inclusive; the config keys and the CLI's flags share them. */
export const SETTING_BOUNDS: Readonly<Record<keyof PipelineSettings, readonly [number, number]>> = {
  // A Distributed Map runs up to 10,000 child executions at once; each runs one Lambda at a time,
  // and 1,000 is the default concurrent-executions quota of Lambda in an account and region.
  maxConcurrency: [1, 1000],
  accountsPerBatch: [1, 100],
  maxPollAttempts: [1, 100],
  pollIntervalSeconds: [1, MAX_POLL_WAIT_SECONDS],
  // Runs are daily: one that takes longer than a day would overlap the next.
  runTimeoutMinutes: [10, 1440],
};

/** Bounds the settings so that a bad value fails before anything runs. Returns every problem. */
export function settingsProblems(settings: PipelineSettings): string[] {
  return (Object.keys(SETTING_BOUNDS) as (keyof PipelineSettings)[]).flatMap((name) => {
    const problem = wholeNumberProblem(name, settings[name], ...SETTING_BOUNDS[name]);
    return problem ? [problem] : [];
  });
}
