import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { PublishCommand, type PublishCommandInput } from "@aws-sdk/client-sns";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { collectBatch } from "../functions/collect-report/collect-batch";
import type { BatchProgress, BatchState, RunRef } from "../functions/run/contracts";
import { listRunAccounts } from "../functions/list-accounts/list-accounts";
import { type AccountScope } from "../functions/run/account-scope";
import type { Log } from "../functions/log";
import type { AcceptedRisk } from "../functions/analysis/accepted-risks";
import { memberCredentials } from "../functions/aws/member-credentials";
import { securityHubSessionPolicy } from "../policies/session-policies";
import { type PipelineSettings, settingsProblems } from "../functions/run/settings";
import { buildDefinition, STATES } from "../functions/pipeline/state-machine-definition";
import { describeCaughtError } from "../functions/summarize/manifest";
import type { ShardLimits } from "../functions/summarize/shards";
import type { RemediationSettings } from "../functions/analysis/fixes/key-remediation";
import type { OwnerSettings } from "../functions/run/owners";
import { type SummarizeDeps, type SummarizeResult, type SummarizeStepInput, summarizeStep } from "../functions/summarize/summarize";
import { DEFAULT_THRESHOLDS, type FindingThresholds } from "../functions/analysis/findings";
import type { AwsClients } from "./aws-clients";
import { DataLimitExceeded, type ExecutionHistory, ExecutionTimedOut, executeDefinition } from "./execution";

/**
 * The clients each part of the pipeline calls AWS with, as deployed: each Lambda as its own role,
 * the state machine (the Distributed Map's files, the failure notice) as its own.
 */
export interface PipelineIdentities {
  readonly listAccounts: AwsClients;
  readonly collector: AwsClients;
  readonly summarize: AwsClients;
  readonly stateMachine: AwsClients;
}

export interface LocalRunOptions {
  /** The caller's clients: every part of the run calls AWS with them unless `identities` says otherwise. */
  readonly clients: AwsClients;
  /** Each part of the pipeline as its own role (the emulator hands them out as Lambda and Step Functions would). @default clients for every part */
  readonly identities?: PipelineIdentities;
  /** The execution's input. @default {} (a run) */
  readonly input?: Record<string, unknown>;
  readonly region: string;
  readonly bucket: string;
  /** Where the Distributed Map's account list and results go. @default bucket */
  readonly mapBucket?: string;
  /** How much one Summarize invocation combines before the run is cut into shards. @default SHARD_LIMITS */
  readonly shardLimits?: ShardLimits;
  /** What the collector may do about unused access keys, as the stack's remediation. @default off */
  readonly remediation?: RemediationSettings;
  /** Where ListAccounts reads each account's owners, as the stack's ownerSources, ownerTagKey and owners file. @default none */
  readonly owners?: OwnerSettings;
  readonly topicArn: string;
  readonly memberRoleName: string;
  readonly scope: AccountScope;
  readonly settings: PipelineSettings;
  /** The execution name; a fresh one by default. */
  readonly runId?: string;
  /** Replaces every Wait, retry and in-call pause with this many milliseconds (tests); unset honours them. */
  readonly pauseMs?: number;
  /** Kept up to date while the run goes, for a progress display. @default a new one */
  readonly progress?: RunProgress;
  /**
   * The run stops when the endpoint has not answered for this long while calls fail to connect,
   * rather than waiting out every account's polls.
   * @default 60000
   */
  readonly unreachableAfterMs?: number;
  /** Stops the run as StopExecution does: it ends, failed, where it is. */
  readonly stop?: AbortSignal;
  /** Replaces the definition's TimeoutSeconds (runTimeoutMinutes), for tests of a run that times out. */
  readonly timeoutMs?: number;
  /** Known exceptions and break-glass users, as Summarize applies them. @default none */
  readonly acceptedRisks?: readonly AcceptedRisk[];
  /** Import the findings into each account's Security Hub through the member role, as the stack's securityHub does. @default false */
  readonly securityHub?: boolean;
  /** Where the findings draw their lines, as the stack's threshold keys. @default DEFAULT_THRESHOLDS */
  readonly thresholds?: FindingThresholds;
  readonly log: Log;
}

/** Who runs the pipeline here: the caller's account and partition. */
export interface Caller {
  readonly ownAccountId: string;
  readonly partition: string;
}

/** The caller, as STS says. */
export async function callerOf(clients: AwsClients): Promise<Caller> {
  const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
  return { ownAccountId: identity.Account ?? "", partition: identity.Arn?.split(":")[1] ?? "aws" };
}

/**
 * What Summarize gets when it runs here, the same as the deployed Lambda gets: the run event, the
 * accepted risks, the thresholds and, when on, Security Hub through each account's member role.
 */
export function localSummarizeDeps(
  clients: AwsClients,
  caller: Caller,
  options: Pick<LocalRunOptions, "region" | "bucket" | "mapBucket" | "memberRoleName" | "acceptedRisks" | "securityHub" | "thresholds" | "log" | "pauseMs" | "shardLimits"> & { readonly topicArn?: string },
  runId: string,
  sleep?: (ms: number) => Promise<void>,
): SummarizeDeps {
  // As the deployed Summarize: its session may send findings, nothing else.
  const sessionPolicy = (accountId: string) => securityHubSessionPolicy({ partition: caller.partition, region: options.region, accountId });
  const memberRole = { sts: clients.sts, partition: caller.partition, roleName: options.memberRoleName, ownAccountId: caller.ownAccountId, sessionPolicy };
  const securityHubAs = async (accountId: string) => clients.securityHubClient(await memberCredentials(accountId, runId, memberRole));
  return {
    s3: clients.s3,
    sns: clients.sns,
    events: clients.events,
    bucket: options.bucket,
    mapBucket: options.mapBucket ?? options.bucket,
    topicArn: options.topicArn,
    acceptedRisks: options.acceptedRisks,
    thresholds: options.thresholds,
    ...(options.pauseMs !== undefined ? { retryPauseMs: options.pauseMs } : {}),
    ...(options.shardLimits ? { shardLimits: options.shardLimits } : {}),
    ...(options.securityHub ? { securityHub: { partition: caller.partition, region: options.region, clientFor: securityHubAs, ...(sleep ? { sleep } : {}) } } : {}),
    now: () => new Date(),
    log: options.log,
  };
}

/** How far a run got: accounts listed, and of those how many were collected or failed. */
export interface RunProgress {
  /** The run as the execution named it, once it started listing. */
  run?: RunRef;
  listed: number;
  collected: number;
  failed: number;
}

/** Per Lambda Task state: how often its handler ran here, and for how long in all. */
export type HandlerTimes = Record<string, { calls: number; ms: number }>;

/** What every run reports besides its outcome: what ran, and how. */
interface RunRecord {
  readonly runId: string;
  /** The event logs of the execution and of its Map's children. */
  readonly history: ExecutionHistory;
  /** The definition executed: the builder's output, as deployed. */
  readonly definition: object;
  readonly handlerTimes: HandlerTimes;
}

export type LocalRunResult =
  | (RunRecord & { readonly status: "succeeded"; readonly summary: SummarizeResult })
  | (RunRecord & { readonly status: "failed"; readonly error: string; readonly progress: RunProgress });

// How often the runner looks at the endpoint's health.
const HEALTH_CHECK_MS = 250;

/** An execution name in the style of a run started by hand: sortable, unique, S3-key safe. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `local-${stamp}-${randomBytes(3).toString("hex")}`;
}

/** The state machine name the local runner gives its runs' ARNs. */
export const LOCAL_STATE_MACHINE_NAME = "credreport-local";

/**
 * Runs the very definition that is deployed, in-process: each Lambda Task calls its app code with
 * real SDK clients, each SNS Task publishes through the SDK, and the Distributed Map reads its
 * items from S3 and writes its results there, as Step Functions would.
 */
export async function runLocally(options: LocalRunOptions): Promise<LocalRunResult> {
  const problems = settingsProblems(options.settings);
  if (problems.length > 0) throw new Error(`invalid settings: ${problems.join("; ")}`);
  const { clients, log } = options;
  const as: PipelineIdentities = options.identities ?? { listAccounts: clients, collector: clients, summarize: clients, stateMachine: clients };
  const caller = await callerOf(as.collector);
  const { ownAccountId, partition } = caller;
  const lambdaArn = (name: string) => `arn:${partition}:lambda:${options.region}:${ownAccountId}:function:${name}`;
  const definition = buildDefinition(
    {
      listAccountsArn: lambdaArn("credreport-list-accounts"),
      collectReportArn: lambdaArn("credreport-collect-report"),
      summarizeArn: lambdaArn("credreport-summarize"),
      topicArn: options.topicArn,
      mapBucket: options.mapBucket ?? options.bucket,
    },
    options.settings,
  );

  const progress: RunProgress = options.progress ?? { listed: 0, collected: 0, failed: 0 };
  const handlerTimes: HandlerTimes = {};
  const timed = <I, O>(state: string, handler: (input: I) => Promise<O>) => async (input: I): Promise<O> => {
    const started = performance.now();
    try {
      return await handler(input);
    } finally {
      const times = (handlerTimes[state] ??= { calls: 0, ms: 0 });
      times.calls++;
      times.ms += performance.now() - started;
    }
  };
  const pause = (ms: number) => sleep(options.pauseMs ?? ms);
  const publish = (input: PublishCommandInput) => as.stateMachine.sns.send(new PublishCommand(input)).then(({ MessageId }) => ({ MessageId }));
  const overrides = {
    taskResourceLocalHandlers: {
      [STATES.listAccounts]: asLambda(timed(STATES.listAccounts, async (input: { run: RunRef }) => {
        const listed = await listRunAccounts(input, {
          organizations: as.listAccounts.organizations,
          s3: as.listAccounts.s3,
          bucket: options.bucket,
          mapBucket: options.mapBucket,
          scope: options.scope,
          log,
          ...(options.owners ? { owners: options.owners, account: as.listAccounts.account, ownAccountId } : {}),
        });
        progress.run = input.run;
        progress.listed = listed.counts.accounts;
        return listed;
      })),
      [STATES.collectBatch]: asLambda(timed(STATES.collectBatch, async (input: BatchState) => {
        const round = await collectBatch(input, {
          sts: as.collector.sts,
          s3: as.collector.s3,
          iamClient: as.collector.iamClient,
          securityHubClient: as.collector.securityHubClient,
          analysis: {
            thresholds: options.thresholds ?? DEFAULT_THRESHOLDS,
            acceptedRisks: options.acceptedRisks ?? [],
            ...(options.securityHub ? { securityHub: { partition, region: options.region } } : {}),
            ...(options.remediation?.enabled ? { remediation: options.remediation } : {}),
          },
          bucket: options.bucket,
          memberRoleName: options.memberRoleName,
          ownAccountId,
          partition,
          log,
          sleep: pause,
          ...(options.pauseMs !== undefined ? { retryPauseMs: options.pauseMs } : {}),
        });
        count(progress, input, round);
        return round;
      })),
      ...Object.fromEntries(
        [STATES.summarize, STATES.combineShard, STATES.mergeShards].map((state) => [
          state,
          asLambda(timed(state, (input: SummarizeStepInput) => summarizeStep(input, localSummarizeDeps(as.summarize, caller, options, input.run.id, pause)))),
        ]),
      ),
      [STATES.notifyRunFailure]: publish,
    },
    ...(options.pauseMs === undefined
      ? {}
      : {
          waitTimeOverrides: { [STATES.waitForReports]: options.pauseMs },
          retryIntervalOverrides: Object.fromEntries(Object.values(STATES).map((name) => [name, options.pauseMs as number])),
        }),
  };

  const runId = options.runId ?? newRunId();
  if (!EXECUTION_NAME.test(runId)) throw new Error(`InvalidName: an execution name must be 1-80 of A-Z a-z 0-9 _ . -, got ${JSON.stringify(runId)}`);
  log("run-started", { runId, bucket: options.bucket });
  const execution = executeDefinition(definition as never, (options.input ?? {}) as never, {
    context: { Execution: { Name: runId, StartTime: new Date().toISOString() } },
    overrides,
    map: { s3: as.stateMachine.s3, arns: { region: options.region, account: ownAccountId, partition, stateMachineName: LOCAL_STATE_MACHINE_NAME } },
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  const stop = () => execution.abort();
  options.stop?.addEventListener("abort", stop, { once: true });
  // A StopExecution that came while the run was being set up has fired its event already.
  if (options.stop?.aborted) stop();
  // A dead endpoint stops the run instead of every account waiting out its polls.
  let unreachable: string | undefined;
  const watch = setInterval(() => {
    unreachable = [clients, ...Object.values(as)].map((c) => c.health.unreachable(options.unreachableAfterMs ?? 60_000)).find(Boolean);
    if (unreachable) {
      clearInterval(watch);
      execution.abort();
    }
  }, HEALTH_CHECK_MS);
  try {
    const summary = (await execution.result) as unknown as SummarizeResult;
    log("run-succeeded", { runId, ...summary.counts });
    return { runId, status: "succeeded", summary, history: execution.history, definition, handlerTimes };
  } catch (err) {
    const error = unreachable
      ? `stopped: ${unreachable}; ${progress.collected + progress.failed} of ${progress.listed} accounts were done (${progress.collected} collected, ${progress.failed} failed)`
      : options.stop?.aborted
        ? "States.Aborted: the execution was stopped (StopExecution)"
        : executionError(err);
    log("run-failed", { runId, error });
    return { runId, status: "failed", error, progress: { ...progress }, history: execution.history, definition, handlerTimes };
  } finally {
    clearInterval(watch);
    options.stop?.removeEventListener("abort", stop);
  }
}

/** What failed an execution: the Fail state's error, or the deadline. */
function executionError(err: unknown): string {
  if (err instanceof ExecutionTimedOut) return `States.Timeout: ${err.message}`;
  if (err instanceof DataLimitExceeded) return `States.DataLimitExceeded: ${err.message}`;
  const failure = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const caught = failure instanceof Error ? describeCaughtError({ Error: failure.name, Cause: failure.message }) : undefined;
  return caught ? `${caught.type} ${caught.code}: ${caught.message}` : String(failure);
}

/** Counts the accounts a round finished: stored, or failed with a named error. */
function count(progress: RunProgress, input: BatchState, round: BatchProgress): void {
  const before = new Set((input.progress?.done ?? []).map((outcome) => outcome.id));
  for (const outcome of round.done) {
    if (before.has(outcome.id)) continue;
    if (outcome.status === "collected") progress.collected++;
    else progress.failed++;
  }
}

/**
 * A run's name is its execution's name, within StartExecution's rules (1-80 characters, checked by
 * the layer as AWS checks them: emulator/authorizer/aws-limits.ts) and narrower: only the
 * characters the run's S3 keys allow.
 */
const EXECUTION_NAME = /^[A-Za-z0-9_.-]{1,80}$/;

/**
 * The largest answer Lambda hands back from a synchronous invocation: "6 MB each for request and
 * response" (Lambda Developer Guide, "Lambda quotas"), which Lambda counts as 6,291,556 bytes in the
 * error it gives past it. Step Functions' own 256 KiB state limit (local/execution.ts) is lower, so
 * a Task of the definition never gets here; the check keeps the in-process Lambda honest all the same.
 */
export const LAMBDA_RESPONSE_LIMIT_BYTES = 6_291_556;

/**
 * Makes an in-process handler fail the way a Lambda does: Step Functions sees the error's name as
 * `Error` and a JSON `{errorType, errorMessage, trace}` as `Cause`.
 */
export function asLambda<I, O>(handler: (input: I) => Promise<O>): (input: I) => Promise<O> {
  return async (input) => {
    try {
      const output = await handler(input);
      const bytes = Buffer.byteLength(JSON.stringify(output) ?? "null", "utf8");
      if (bytes > LAMBDA_RESPONSE_LIMIT_BYTES) {
        const tooLarge = new Error(`Response payload size (${bytes} bytes) exceeded maximum allowed payload size (${LAMBDA_RESPONSE_LIMIT_BYTES} bytes).`);
        tooLarge.name = "Function.ResponseSizeTooLarge";
        throw tooLarge;
      }
      return output;
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      const failure = new Error(lambdaCause(error));
      failure.name = error.name;
      throw failure;
    }
  };
}

export function lambdaCause(error: Error): string {
  return JSON.stringify({ errorType: error.name, errorMessage: error.message, trace: [`${error.name}: ${error.message}`] });
}
