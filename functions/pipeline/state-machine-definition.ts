import { FUNCTION_SIZES, type FunctionName } from "./function-sizes";
import { MAP_RUNS_PREFIX } from "../run/report-keys";
import type { PipelineSettings } from "../run/settings";

/** The ARNs and names the definition points at. */
export interface DefinitionTargets {
  readonly listAccountsArn: string;
  readonly collectReportArn: string;
  readonly summarizeArn: string;
  readonly topicArn: string;
  /**
   * The map bucket, in the state machine's own account and region (Step Functions' ResultWriter
   * writes only there): the Distributed Map's account list and results.
   */
  readonly mapBucket: string;
}

/** State names; the local runner binds its in-process handlers to these. */
export const STATES = {
  route: "RunOrSummarize",
  readStoredRun: "ReadStoredRun",
  startRun: "StartRun",
  listAccounts: "ListAccounts",
  collectAccounts: "CollectAccounts",
  collectBatch: "CollectBatch",
  checkBatch: "CheckBatch",
  waitForReports: "WaitForReports",
  batchDone: "BatchDone",
  summarize: "Summarize",
  inShards: "CombinedInShards",
  summarized: "Summarized",
  combineShards: "CombineShards",
  combineShard: "CombineShard",
  mergeShards: "MergeShards",
  notifyRunFailure: "NotifyRunFailure",
  runFailed: "RunFailed",
} as const;

/** The Step Functions integration that publishes to SNS without a Lambda in between. */
export const SNS_PUBLISH_RESOURCE = "arn:aws:states:::sns:publish";
/** The Distributed Map's S3 integrations: reading the item list and writing the results. */
export const S3_GET_OBJECT_RESOURCE = "arn:aws:states:::s3:getObject";
export const S3_PUT_OBJECT_RESOURCE = "arn:aws:states:::s3:putObject";


// Transient errors of the Lambda service itself (not of our code): retried with jittered backoff.
const LAMBDA_SERVICE_RETRY = {
  ErrorEquals: ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
  JitterStrategy: "FULL",
};

// AWS asked our Lambda to come back later and the SDK's retries were used up (TransientAwsError):
// the whole step runs again after a pause, up to about eight minutes in all. The steps are safe to
// repeat: every write is conditional, and a repeated step finds its earlier writes and keeps them.
const TRANSIENT_AWS_RETRY = {
  ErrorEquals: ["TransientAwsError"],
  IntervalSeconds: 5,
  MaxAttempts: 6,
  BackoffRate: 2,
  MaxDelaySeconds: 120,
  JitterStrategy: "FULL",
};

/**
 * A Task's own deadline: its function's timeout and a margin. Step Functions waits 99,999,999 s
 * for a Task that names none, and the States Language (and so the local interpreter) 60 s; either
 * is wrong for a function that may rightly take minutes.
 */
const taskTimeout = (fn: FunctionName) => FUNCTION_SIZES[fn].timeout + 30;

/**
 * Shards of a large run combined at once: each reads its accounts' files and streams its parts
 * (S3 takes 3,500 PUTs and 5,500 GETs a second per prefix; each shard writes a prefix of its own).
 */
export const SHARD_CONCURRENCY = 10;

const PUBLISH_RETRY = { ErrorEquals: ["States.ALL"], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 };

const CATCH_ALL = (next: string, resultPath = "$.error") => [{ ErrorEquals: ["States.ALL"], ResultPath: resultPath, Next: next }];

/**
 * Builds the Amazon States Language definition of one run. Pure: the deployed state machine and
 * the local runner both execute exactly this output.
 *
 * StartRun -> ListAccounts -> CollectAccounts (Distributed Map over the account list in S3, in
 * batches) -> Summarize. An execution whose input is `{"summarizeRun": {"id", "date"}}` summarises
 * that stored run instead (a run that timed out, was aborted or could not write its manifest):
 * Summarize builds its input from what the run stored, and writes what is missing, as its own role. Each batch is a child execution that calls CollectReport for its accounts
 * until every one is stored or failed, waiting longer between rounds; per-account failures are
 * recorded by the Lambda, and a child that fails as a whole is accounted for by Summarize from the
 * ResultWriter's FAILED files, so one account never stops the run.
 */
export function buildDefinition(targets: DefinitionTargets, settings: PipelineSettings): Record<string, unknown> {
  const S = STATES;
  // One child execution per batch. STANDARD, not EXPRESS: an Express execution ends after five
  // minutes, and an account may wait up to maxPollAttempts rounds of up to 300 s each.
  const batch = {
    ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
    StartAt: S.collectBatch,
    States: {
      [S.collectBatch]: {
        Type: "Task",
        Resource: targets.collectReportArn,
        TimeoutSeconds: taskTimeout("collect-report"),
        ResultPath: "$.progress",
        Retry: [LAMBDA_SERVICE_RETRY],
        Next: S.checkBatch,
      },
      [S.checkBatch]: {
        Type: "Choice",
        Choices: [{ Variable: "$.progress.pendingCount", NumericGreaterThan: 0, Next: S.waitForReports }],
        Default: S.batchDone,
      },
      [S.waitForReports]: { Type: "Wait", SecondsPath: "$.progress.waitSeconds", Next: S.collectBatch },
      // The child's output is its accounts' outcomes: ids, statuses and error names, never reports.
      [S.batchDone]: { Type: "Pass", OutputPath: "$.progress.done", End: true },
    },
  };

  const summarizeTask = {
    Type: "Task",
    Resource: targets.summarizeArn,
    TimeoutSeconds: taskTimeout("summarize"),
    Retry: [LAMBDA_SERVICE_RETRY, TRANSIENT_AWS_RETRY],
  };

  return {
    Comment: "Collects the IAM credential report of every account in scope into S3",
    StartAt: S.route,
    TimeoutSeconds: settings.runTimeoutMinutes * 60,
    States: {
      [S.route]: {
        Type: "Choice",
        Choices: [{ Variable: "$.summarizeRun", IsPresent: true, Next: S.readStoredRun }],
        Default: S.startRun,
      },
      // The stored run's id names it in a failure notice; Summarize reads its real start from its account list.
      [S.readStoredRun]: {
        Type: "Pass",
        Parameters: { run: { "id.$": "$.summarizeRun.id", "startedAt.$": "$$.Execution.StartTime" }, "storedRun.$": "$.summarizeRun" },
        Next: S.summarize,
      },
      // Date and run id come from the execution itself, so a retried or warm Lambda cannot shift them.
      [S.startRun]: {
        Type: "Pass",
        Parameters: { run: { "id.$": "$$.Execution.Name", "startedAt.$": "$$.Execution.StartTime" } },
        Next: S.listAccounts,
      },
      [S.listAccounts]: {
        Type: "Task",
        Resource: targets.listAccountsArn,
        TimeoutSeconds: taskTimeout("list-accounts"),
        ResultPath: "$.listing",
        Retry: [LAMBDA_SERVICE_RETRY, TRANSIENT_AWS_RETRY],
        Catch: CATCH_ALL(S.notifyRunFailure),
        Next: S.collectAccounts,
      },
      [S.collectAccounts]: {
        Type: "Map",
        // The account list is read from S3, never carried in the state (256 KiB payload cap).
        ItemReader: {
          Resource: S3_GET_OBJECT_RESOURCE,
          ReaderConfig: { InputType: "JSON" },
          Parameters: { "Bucket.$": "$.listing.toCollect.bucket", "Key.$": "$.listing.toCollect.key" },
        },
        ItemBatcher: {
          MaxItemsPerBatch: settings.accountsPerBatch,
          // Every batch compares its accounts with the run ListAccounts found before this one.
          BatchInput: { "run.$": "$.run", "previousRun.$": "$.listing.previousRun", poll: { maxAttempts: settings.maxPollAttempts, intervalSeconds: settings.pollIntervalSeconds } },
        },
        ItemProcessor: batch,
        MaxConcurrency: settings.maxConcurrency,
        // A failed child is accounted for by Summarize (its accounts fail with its error); it never fails the run.
        ToleratedFailurePercentage: 100,
        ResultWriter: {
          Resource: S3_PUT_OBJECT_RESOURCE,
          Parameters: { Bucket: targets.mapBucket, "Prefix.$": `States.Format('${MAP_RUNS_PREFIX}run={}', $.run.id)` },
        },
        ResultPath: "$.results",
        // Even a Map that fails as a whole is summarised: every account gets its line in the manifest.
        Catch: CATCH_ALL(S.summarize, "$.mapError"),
        Next: S.summarize,
      },
      // The manifest, then the combination: here, or when the run is too large for one
      // invocation, in shards (a Map, SHARD_CONCURRENCY at once) and a merge of their parts.
      [S.summarize]: {
        ...summarizeTask,
        ResultPath: "$.summary",
        Catch: CATCH_ALL(S.notifyRunFailure),
        Next: S.inShards,
      },
      [S.inShards]: {
        Type: "Choice",
        Choices: [{ Variable: "$.summary.combineInShards", IsPresent: true, Next: S.combineShards }],
        Default: S.summarized,
      },
      // The execution's output is Summarize's, as before the shards.
      [S.summarized]: { Type: "Pass", OutputPath: "$.summary", End: true },
      [S.combineShards]: {
        Type: "Map",
        ItemsPath: "$.summary.combineInShards.shards",
        // The run as Summarize read it from its account list: a stored run summarised again started before this execution.
        ItemSelector: { "run.$": "$.summary.combineInShards.run", "combineShard.$": "$$.Map.Item.Value", "previousRun.$": "$.summary.combineInShards.merge.previousRun" },
        ItemProcessor: {
          ProcessorConfig: { Mode: "INLINE" },
          StartAt: S.combineShard,
          States: { [S.combineShard]: { ...summarizeTask, End: true } },
        },
        MaxConcurrency: SHARD_CONCURRENCY,
        ResultPath: null,
        Catch: CATCH_ALL(S.notifyRunFailure),
        Next: S.mergeShards,
      },
      [S.mergeShards]: {
        ...summarizeTask,
        Parameters: { "run.$": "$.summary.combineInShards.run", "mergeShards.$": "$.summary.combineInShards.merge" },
        Catch: CATCH_ALL(S.notifyRunFailure),
        End: true,
      },
      [S.notifyRunFailure]: {
        Type: "Task",
        Resource: SNS_PUBLISH_RESOURCE,
        Parameters: {
          TopicArn: targets.topicArn,
          Subject: "IAM credential report: run failed",
          "Message.$": "States.Format('Credential report run {} failed: {}: {}', $.run.id, $.error.Error, $.error.Cause)",
        },
        ResultPath: null,
        Retry: [PUBLISH_RETRY],
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: null, Next: S.runFailed }],
        Next: S.runFailed,
      },
      // The execution fails with the error that stopped it, not with a generic one.
      [S.runFailed]: { Type: "Fail", ErrorPath: "$.error.Error", CausePath: "$.error.Cause" },
    },
  };
}
