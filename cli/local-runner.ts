import "./polyfills";
import { randomBytes } from "node:crypto";
import { PublishCommand, type PublishCommandInput } from "@aws-sdk/client-sns";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { ExecutionTimeoutError, StateMachine } from "aws-local-stepfunctions";
import { collectReport } from "../functions/collect-report/collect-report";
import type { CollectInput, CollectProgress, RunRef, SummarizeInput } from "../functions/contracts";
import { type AccountScope, listRunAccounts } from "../functions/list-accounts/list-accounts";
import type { Log } from "../functions/log";
import { settingsProblems, type PipelineSettings } from "../functions/settings";
import { buildDefinition, STATES } from "../functions/state-machine-definition";
import { describeCaughtError } from "../functions/summarize/manifest";
import { type RunSummary, summarize } from "../functions/summarize/summarize";
import type { AwsClients } from "./aws-clients";

export interface LocalRunOptions {
  readonly clients: AwsClients;
  readonly region: string;
  readonly bucket: string;
  readonly topicArn: string;
  readonly memberRoleName: string;
  readonly scope: AccountScope;
  readonly settings: PipelineSettings;
  /** The execution name; a fresh one by default. */
  readonly runId?: string;
  /** Replaces every Wait and retry pause with this many milliseconds (tests); unset honours them. */
  readonly pauseMs?: number;
  /**
   * The run stops when the endpoint has not answered for this long while calls fail to connect,
   * rather than waiting out every account's polls.
   * @default 60000
   */
  readonly unreachableAfterMs?: number;
  readonly log: Log;
}

/** How far a run got: accounts listed, and of those how many were collected or failed. */
export interface RunProgress {
  /** The run as the execution named it, once it started listing. */
  run?: RunRef;
  listed: number;
  collected: number;
  failed: number;
}

export type LocalRunResult =
  | { readonly runId: string; readonly status: "succeeded"; readonly summary: RunSummary }
  | { readonly runId: string; readonly status: "failed"; readonly error: string; readonly progress: RunProgress };

// How often the runner looks at the endpoint's health.
const HEALTH_CHECK_MS = 250;

/** An execution name in the style of a run started by hand: sortable, unique, S3-key safe. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `local-${stamp}-${randomBytes(3).toString("hex")}`;
}

/**
 * Runs the very definition that is deployed, in-process: each Lambda Task calls its app code with
 * real SDK clients, each SNS Task publishes through the SDK, as Step Functions would.
 */
export async function runLocally(options: LocalRunOptions): Promise<LocalRunResult> {
  const problems = settingsProblems(options.settings);
  if (problems.length > 0) throw new Error(`invalid settings: ${problems.join("; ")}`);
  const { clients, log } = options;
  const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
  const ownAccountId = identity.Account ?? "";
  const partition = identity.Arn?.split(":")[1] ?? "aws";
  const lambdaArn = (name: string) => `arn:${partition}:lambda:${options.region}:${ownAccountId}:function:${name}`;
  const definition = buildDefinition(
    {
      listAccountsArn: lambdaArn("credreport-list-accounts"),
      collectReportArn: lambdaArn("credreport-collect-report"),
      summarizeArn: lambdaArn("credreport-summarize"),
      topicArn: options.topicArn,
    },
    options.settings,
  );

  const progress: RunProgress = { listed: 0, collected: 0, failed: 0 };
  const publish = (input: PublishCommandInput) => clients.sns.send(new PublishCommand(input)).then(({ MessageId }) => ({ MessageId }));
  const overrides = {
    taskResourceLocalHandlers: {
      [STATES.listAccounts]: asLambda(async (input: { run: RunRef }) => {
        const listing = await listRunAccounts(input, { organizations: clients.organizations, s3: clients.s3, bucket: options.bucket, scope: options.scope, log });
        progress.run = input.run;
        progress.listed = listing.accounts.length;
        return listing;
      }),
      [STATES.collectReport]: asLambda(counted(progress, (input: CollectInput) =>
        collectReport(input, {
          sts: clients.sts,
          s3: clients.s3,
          iamClient: clients.iamClient,
          bucket: options.bucket,
          memberRoleName: options.memberRoleName,
          ownAccountId,
          partition,
          log,
        }),
      )),
      [STATES.summarize]: asLambda((input: SummarizeInput) =>
        summarize(input, { s3: clients.s3, sns: clients.sns, bucket: options.bucket, topicArn: options.topicArn, now: () => new Date(), log }),
      ),
      [STATES.notifyAccountFailure]: publish,
      [STATES.notifyRunFailure]: publish,
    },
    ...(options.pauseMs === undefined
      ? {}
      : {
          waitTimeOverrides: { [STATES.waitForReport]: options.pauseMs },
          retryIntervalOverrides: Object.fromEntries(Object.values(STATES).map((name) => [name, options.pauseMs as number])),
        }),
  };

  const runId = options.runId ?? newRunId();
  const machine = new StateMachine(definition as never);
  log("run-started", { runId, bucket: options.bucket });
  const execution = machine.run({}, { overrides: overrides as never, context: { Execution: { Name: runId } } });
  // A dead endpoint stops the run instead of every account waiting out its polls.
  let unreachable: string | undefined;
  const watch = setInterval(() => {
    unreachable = clients.health.unreachable(options.unreachableAfterMs ?? 60_000);
    if (unreachable) {
      clearInterval(watch);
      execution.abort();
    }
  }, HEALTH_CHECK_MS);
  try {
    const summary = (await execution.result) as unknown as RunSummary;
    log("run-succeeded", { runId, ...summary.counts });
    return { runId, status: "succeeded", summary };
  } catch (err) {
    const error = unreachable
      ? `stopped: ${unreachable}; ${progress.collected + progress.failed} of ${progress.listed} accounts were done (${progress.collected} collected, ${progress.failed} failed)`
      : executionError(err);
    log("run-failed", { runId, error });
    return { runId, status: "failed", error, progress: { ...progress } };
  } finally {
    clearInterval(watch);
  }
}

/** What failed an execution: the Fail state's error, or the interpreter's own (a timeout). */
function executionError(err: unknown): string {
  // The interpreter wraps what failed the execution (the Fail state's error) in an ExecutionError.
  const failure = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  if (failure instanceof ExecutionTimeoutError) return "States.Timeout: the run did not finish within its runTimeoutMinutes";
  const caught = failure instanceof Error ? describeCaughtError({ Error: failure.name, Cause: failure.message }) : undefined;
  return caught ? `${caught.type} ${caught.code}: ${caught.message}` : String(failure);
}

/** Counts CollectReport's final answers for an account: stored, or failed with a named error. */
function counted<I>(progress: RunProgress, collect: (input: I) => Promise<CollectProgress>): (input: I) => Promise<CollectProgress> {
  return async (input) => {
    try {
      const result = await collect(input);
      if (result.status === "collected") progress.collected++;
      return result;
    } catch (err) {
      progress.failed++;
      throw err;
    }
  };
}

/**
 * Makes an in-process handler fail the way a Lambda does: Step Functions sees the error's name as
 * `Error` and a JSON `{errorType, errorMessage, trace}` as `Cause`.
 */
export function asLambda<I, O>(handler: (input: I) => Promise<O>): (input: I) => Promise<O> {
  return async (input) => {
    try {
      return await handler(input);
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
