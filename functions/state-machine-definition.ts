import type { PipelineSettings } from "./settings";

/** The ARNs the definition points at. */
export interface DefinitionTargets {
  readonly listAccountsArn: string;
  readonly collectReportArn: string;
  readonly summarizeArn: string;
  readonly topicArn: string;
}

/** State names; the local runner binds its in-process handlers to these. */
export const STATES = {
  startRun: "StartRun",
  listAccounts: "ListAccounts",
  collectAccounts: "CollectAccounts",
  collectReport: "CollectReport",
  checkProgress: "CheckProgress",
  waitForReport: "WaitForReport",
  unexpectedProgress: "UnexpectedProgress",
  accountCollected: "AccountCollected",
  notifyAccountFailure: "NotifyAccountFailure",
  accountFailed: "AccountFailed",
  summarize: "Summarize",
  notifyRunFailure: "NotifyRunFailure",
  runFailed: "RunFailed",
} as const;

/** The Step Functions integration that publishes to SNS without a Lambda in between. */
export const SNS_PUBLISH_RESOURCE = "arn:aws:states:::sns:publish";

// Transient errors of the Lambda service itself (not of our code): retried with jittered backoff.
const LAMBDA_SERVICE_RETRY = {
  ErrorEquals: [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
  ],
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

const PUBLISH_RETRY = { ErrorEquals: ["States.ALL"], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 };

const CATCH_ALL = (next: string) => [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: next }];

/**
 * Builds the Amazon States Language definition of one run. Pure: the deployed state machine and
 * the local runner both execute exactly this output.
 *
 * StartRun -> ListAccounts -> CollectAccounts (Map, one iteration per account) -> Summarize.
 * An iteration polls CollectReport until the report is stored, waiting longer each time; any
 * error of an iteration is caught, published to SNS and recorded, so one account never stops the run.
 */
export function buildDefinition(targets: DefinitionTargets, settings: PipelineSettings): Record<string, unknown> {
  const S = STATES;
  const iteration = {
    ProcessorConfig: { Mode: "INLINE" },
    StartAt: S.collectReport,
    States: {
      [S.collectReport]: {
        Type: "Task",
        Resource: targets.collectReportArn,
        ResultPath: "$.progress",
        Retry: [LAMBDA_SERVICE_RETRY],
        Catch: CATCH_ALL(S.notifyAccountFailure),
        Next: S.checkProgress,
      },
      [S.checkProgress]: {
        Type: "Choice",
        Choices: [
          { Variable: "$.progress.status", StringEquals: "pending", Next: S.waitForReport },
          { Variable: "$.progress.status", StringEquals: "collected", Next: S.accountCollected },
        ],
        Default: S.unexpectedProgress,
      },
      [S.waitForReport]: { Type: "Wait", SecondsPath: "$.progress.waitSeconds", Next: S.collectReport },
      // A Choice cannot Catch: route a status it does not know into the failure path instead.
      [S.unexpectedProgress]: {
        Type: "Pass",
        Result: { Error: "UnexpectedProgress", Cause: "CollectReport returned neither pending nor collected" },
        ResultPath: "$.error",
        Next: S.notifyAccountFailure,
      },
      [S.accountCollected]: {
        Type: "Pass",
        Parameters: {
          "id.$": "$.account.id",
          "name.$": "$.account.name",
          status: "collected",
          "attempts.$": "$.progress.attempts",
        },
        End: true,
      },
      [S.notifyAccountFailure]: {
        Type: "Task",
        Resource: SNS_PUBLISH_RESOURCE,
        Parameters: {
          TopicArn: targets.topicArn,
          Subject: "IAM credential report: an account failed",
          "Message.$":
            "States.Format('Account {} ({}) failed in run {}: {}: {}', $.account.id, $.account.name, $.run.id, $.error.Error, $.error.Cause)",
        },
        ResultPath: null,
        Retry: [PUBLISH_RETRY],
        // A lost notification must not turn a recorded failure into a lost account.
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: null, Next: S.accountFailed }],
        Next: S.accountFailed,
      },
      [S.accountFailed]: {
        Type: "Pass",
        Parameters: {
          "id.$": "$.account.id",
          "name.$": "$.account.name",
          status: "failed",
          // progress holds the last call that returned; the one that failed came after it.
          "attempts.$": "States.MathAdd($.progress.attempts, 1)",
          "error.$": "$.error",
        },
        End: true,
      },
    },
  };

  return {
    Comment: "Collects the IAM credential report of every account in scope into S3",
    StartAt: S.startRun,
    TimeoutSeconds: settings.runTimeoutMinutes * 60,
    States: {
      // Date and run id come from the execution itself, so a retried or warm Lambda cannot shift them.
      [S.startRun]: {
        Type: "Pass",
        Parameters: { run: { "id.$": "$$.Execution.Name", "startedAt.$": "$$.Execution.StartTime" } },
        Next: S.listAccounts,
      },
      [S.listAccounts]: {
        Type: "Task",
        Resource: targets.listAccountsArn,
        ResultPath: "$.listing",
        Retry: [LAMBDA_SERVICE_RETRY, TRANSIENT_AWS_RETRY],
        Catch: CATCH_ALL(S.notifyRunFailure),
        Next: S.collectAccounts,
      },
      [S.collectAccounts]: {
        Type: "Map",
        ItemsPath: "$.listing.accounts",
        ItemSelector: {
          "account.$": "$$.Map.Item.Value",
          "run.$": "$.run",
          poll: { maxAttempts: settings.maxPollAttempts, intervalSeconds: settings.pollIntervalSeconds },
          progress: { attempts: 0 },
        },
        MaxConcurrency: settings.maxConcurrency,
        ItemProcessor: iteration,
        // Outcomes replace the account list, so the state never holds both (256 KiB payload cap).
        ResultPath: "$.listing.accounts",
        Catch: CATCH_ALL(S.notifyRunFailure),
        Next: S.summarize,
      },
      [S.summarize]: {
        Type: "Task",
        Resource: targets.summarizeArn,
        Retry: [LAMBDA_SERVICE_RETRY, TRANSIENT_AWS_RETRY],
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
