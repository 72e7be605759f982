/** How a run behaves; the same values feed the deployed state machine and the local runner. */
export interface PipelineSettings {
  /**
   * Accounts collected at the same time (the Map state's MaxConcurrency).
   * @default 10
   */
  readonly maxConcurrency: number;
  /**
   * Calls to CollectReport per account before it fails as timed out.
   * @default 15
   */
  readonly maxPollAttempts: number;
  /**
   * First wait between two calls for the same account; each later wait doubles, up to
   * {@link MAX_POLL_WAIT_SECONDS}.
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
  maxPollAttempts: 15,
  pollIntervalSeconds: 10,
  runTimeoutMinutes: 360,
};

/** No single wait is longer than this, so a slow report is looked at again every five minutes. */
export const MAX_POLL_WAIT_SECONDS = 300;

/** The wait after the given (1-based) attempt: interval, 2x, 4x, ... capped. */
export function pollWaitSeconds(attempt: number, intervalSeconds: number): number {
  return Math.min(intervalSeconds * 2 ** (attempt - 1), Math.max(intervalSeconds, MAX_POLL_WAIT_SECONDS));
}

/** Bounds the settings so that a bad value fails before anything runs. Returns every problem. */
export function settingsProblems(settings: PipelineSettings): string[] {
  const problems: string[] = [];
  const check = (name: keyof PipelineSettings, min: number, max: number) => {
    const problem = wholeNumberProblem(name, settings[name], min, max);
    if (problem) problems.push(problem);
  };
  // An inline Map state runs at most 40 iterations at once, whatever MaxConcurrency says.
  check("maxConcurrency", 1, 40);
  check("maxPollAttempts", 1, 100);
  check("pollIntervalSeconds", 1, MAX_POLL_WAIT_SECONDS);
  // Runs are daily: one that takes longer than a day would overlap the next.
  check("runTimeoutMinutes", 10, 1440);
  return problems;
}

/** The problem with a number that must be whole and within bounds, or undefined when it is. */
export function wholeNumberProblem(name: string, value: number, min: number, max: number): string | undefined {
  if (Number.isInteger(value) && value >= min && value <= max) return undefined;
  return `${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`;
}
