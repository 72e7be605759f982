/**
 * The payloads that travel between the states of one run. They carry ids, statuses and keys only,
 * never report contents: Step Functions caps a state's input and output at 256 KiB.
 */

import type { AccountOwners } from "./owners";

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
  /** Its OU path of names from the root, and its owners: read by ListAccounts when the stack routes to owners (accounts.json only). */
  readonly ou?: string;
  readonly owners?: AccountOwners;
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

/** The accounts of a run: those to collect, and those left out with why. */
export interface AccountListing {
  readonly accounts: AccountRef[];
  readonly skipped: SkippedAccount[];
}

/** Where an object is, as the state machine hands it on. */
export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
}

/**
 * ListAccounts output: where the run's lists are, and how long they are. The lists themselves
 * stay in S3 (a state's payload is capped at 256 KiB; 10,000 accounts would not fit).
 */
export interface ListedAccounts {
  /** The run this one is compared with; null when none was analysed; unset when not looked up (a run summarised from S3). */
  readonly previousRun?: PreviousRun | null;
  /** The run's record: every account in scope, collected or skipped (accounts.json). */
  readonly accountList: ObjectRef;
  /** The accounts to collect as a JSON array, which the Distributed Map reads (accounts-to-collect.json). */
  readonly toCollect: ObjectRef;
  readonly counts: { readonly accounts: number; readonly skipped: number };
}

/** How long CollectReport may keep an account waiting for its report. */
export interface PollSettings {
  /** Rounds of the batch loop an account may take before it fails as timed out. */
  readonly maxAttempts: number;
  /** First wait between two rounds; it doubles each round. */
  readonly intervalSeconds: number;
}

/** The run a run is compared with, and whether it stored each account's analysis apart (since 0.3.0). */
export interface PreviousRun extends RunRef {
  readonly accountFiles: boolean;
}

/** What every batch of a run shares (the Map's ItemBatcher BatchInput). */
export interface BatchInput {
  readonly run: RunRef;
  readonly poll: PollSettings;
  /** The run compared with (from ListAccounts); null when none was analysed. */
  readonly previousRun?: PreviousRun | null;
}

/** An account still waiting for its report, and how many rounds it has had. */
export interface PendingAccount {
  readonly account: AccountRef;
  readonly attempts: number;
}

/** Where a batch stands after a CollectReport call. */
export interface BatchProgress {
  /** Accounts finished: stored, or failed with a named error. Never called again. */
  readonly done: AccountOutcome[];
  /** Accounts whose report is not ready yet: called again after the wait. */
  readonly pending: PendingAccount[];
  readonly pendingCount: number;
  /** The wait before the next round. */
  readonly waitSeconds: number;
}

/** The state of one child execution, as CollectReport receives it. */
export interface BatchState {
  /** The batch's accounts, from the Map's ItemReader and ItemBatcher. */
  readonly Items: AccountRef[];
  readonly BatchInput: BatchInput;
  /** What the previous call returned; absent before the first. */
  readonly progress?: BatchProgress;
}

/** A failure as Step Functions hands it to a Catch: `Error` is the error name, `Cause` its detail. */
export interface CaughtError {
  readonly Error: string;
  readonly Cause?: string;
}

/** What happened to one account of a run. */
export type AccountOutcome =
  | (AccountRef & {
      readonly status: "collected";
      readonly attempts: number;
      /** What the collector stored (S3 checked its SHA-256 on arrival); absent when it was not seen stored. */
      readonly report?: { readonly bytes: number; readonly sha256: string; readonly generatedAt: string };
      /** What reached its Security Hub: counts, and the first failure. */
      readonly securityHub?: SecurityHubResult;
    })
  | (AccountRef & { readonly status: "failed"; readonly attempts: number; readonly error: CaughtError });

/** The output of a Distributed Map whose ResultWriter exported its children's results. */
export interface MapRunOutput {
  readonly MapRunArn: string;
  /** The ResultWriter's manifest.json, which lists the SUCCEEDED_n, FAILED_n and PENDING_n files. */
  readonly ResultWriterDetails: { readonly Bucket: string; readonly Key: string };
}

/**
 * Summarize input: the run, where its lists are, and where the Map wrote its results. `mapError`
 * is set instead of `results` when the Map failed as a whole; the manifest still accounts for
 * every account.
 */
export interface SummarizeInput {
  readonly run: RunRef;
  readonly listing: ListedAccounts;
  readonly results?: MapRunOutput;
  readonly mapError?: CaughtError;
}

/** A run stored earlier, to be summarised from what it stored: its execution name and the day it started (UTC). */
export interface StoredRunRef {
  readonly id: string;
  /** YYYY-MM-DD, as in the run's prefix. */
  readonly date: string;
}

/** Summarize's input when an execution summarises a stored run (`{"summarizeRun": ...}`). */
export interface StoredRunInput {
  readonly run: RunRef;
  readonly storedRun: StoredRunRef;
}

/** One shard of a run combined in shards: the manifest's entries start to end, in account order, of count shards. */
export interface ShardRef {
  readonly index: number;
  readonly count: number;
  readonly start: number;
  readonly end: number;
}

/**
 * What Summarize hands on when the run is too large for one invocation to combine: the shards,
 * each combined by an item of the CombineShards Map, and what the merge needs after them.
 */
export interface InShards {
  /** The run as its account list says it: a stored run summarised again started before the execution that summarises it. */
  readonly run: RunRef;
  readonly shards: readonly ShardRef[];
  readonly merge: MergeShards;
}

/** What the merge needs beyond the run and its stored files. */
export interface MergeShards {
  readonly count: number;
  readonly previousRun: PreviousRun | null;
  /** What the batches sent to Security Hub, added up. */
  readonly fromBatches?: SecurityHubResult;
}

/** Summarize's input for one shard (an item of the CombineShards Map). */
export interface CombineShardInput {
  readonly run: RunRef;
  readonly combineShard: ShardRef;
  readonly previousRun: PreviousRun | null;
}

/** Summarize's input once every shard is combined: the run's files from theirs, then its notices. */
export interface MergeShardsInput {
  readonly run: RunRef;
  readonly mergeShards: MergeShards;
}

/** What reached Security Hub, and what did not; a problem never fails the run. */
export interface SecurityHubResult {
  readonly accounts: number;
  /** Findings imported as ACTIVE, of which `suppressed` under an accepted risk. */
  readonly imported: number;
  readonly suppressed: number;
  /** Resolved findings imported as ARCHIVED. */
  readonly archived: number;
  /** Known findings moved between their open and accepted ids because their accepted risk began or ended (securityHubId). */
  readonly workflowUpdated: number;
  /** How many findings (or whole accounts) did not get through, after their tries. */
  readonly failedCount: number;
  /** The first of them, by account and finding id, with AWS's reason. */
  readonly failed: readonly { readonly accountId: string; readonly id?: string; readonly error: string }[];
}
