/**
 * The payloads that travel between the states of one run. They carry ids, statuses and keys only,
 * never report contents: Step Functions caps a state's input and output at 256 KiB.
 */

/** Identifies one execution: the execution's name and start time, never a container's clock. */
export interface RunRef {
  /** The execution name; unique per state machine, so it keeps runs of the same day apart. */
  readonly id: string;
  /** ISO 8601 start time of the execution (`$$.Execution.StartTime`). */
  readonly startedAt: string;
}

export interface AccountRef {
  readonly id: string;
  readonly name: string;
}

export interface SkippedAccount extends AccountRef {
  /** Why it was left out: the Organizations status (SUSPENDED, PENDING_CLOSURE, CLOSED, ...). */
  readonly status: string;
}

/** How many skipped accounts there are of each status. */
export function countByStatus(skipped: readonly SkippedAccount[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { status } of skipped) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/** ListAccounts output. */
export interface AccountListing {
  readonly accounts: AccountRef[];
  readonly skipped: SkippedAccount[];
}

/** How long CollectReport may keep an account waiting for its report. */
export interface PollSettings {
  readonly maxAttempts: number;
  readonly intervalSeconds: number;
}

/** The state of one Map iteration, as CollectReport receives it. */
export interface CollectInput {
  readonly account: AccountRef;
  readonly run: RunRef;
  readonly poll: PollSettings;
  /** What the previous call returned; `attempts: 0` before the first call. */
  readonly progress: { readonly attempts: number };
}

/** CollectReport output: either wait and call again, or the report is stored. */
export type CollectProgress =
  | { readonly status: "pending"; readonly attempts: number; readonly waitSeconds: number }
  | { readonly status: "collected"; readonly attempts: number };

/** A failure as Step Functions hands it to a Catch: `Error` is the error name, `Cause` its detail. */
export interface CaughtError {
  readonly Error: string;
  readonly Cause?: string;
}

/** What one Map iteration ends with. */
export type AccountOutcome =
  | (AccountRef & { readonly status: "collected"; readonly attempts: number })
  | (AccountRef & { readonly status: "failed"; readonly attempts: number; readonly error: CaughtError });

/** Summarize input: the listing, whose accounts the Map has replaced with their outcomes. */
export interface SummarizeInput {
  readonly run: RunRef;
  readonly listing: { readonly accounts: AccountOutcome[]; readonly skipped: SkippedAccount[] };
}
