import { STATUS_CODES } from "node:http";
import { isServerError, isThrottlingError, isTransientError } from "@smithy/core/retry";

type SdkError = Parameters<typeof isTransientError>[0];
/**
 * Named errors. The state machine's Retry and Catch rules, and the manifest, match these names;
 * the AWS error code travels at the front of the message (`Code: detail`) because the Lambda
 * runtime hands Step Functions only a name and a message.
 */
export class PipelineError extends Error {
  constructor(
    name: string,
    /** The AWS error code behind it, or our own code when AWS had none. */
    readonly code: string,
    detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = name;
  }
}

/** The member role could not be assumed: it is missing, or it does not trust the collector. */
export class AssumeRoleFailed extends PipelineError {
  constructor(code: string, detail: string) {
    super("AssumeRoleFailed", code, detail);
  }
}

/** IAM refused to generate or return the credential report. */
export class ReportUnavailable extends PipelineError {
  constructor(code: string, detail: string) {
    super("ReportUnavailable", code, detail);
  }
}

/** The report was still not ready after the last allowed attempt. */
export class ReportTimedOut extends PipelineError {
  constructor(detail: string) {
    super("ReportTimedOut", "ReportTimedOut", detail);
  }
}

/** Writing to the report bucket failed, or the key already holds other bytes. */
export class StoreFailed extends PipelineError {
  constructor(code: string, detail: string) {
    super("StoreFailed", code, detail);
  }
}

/** Organizations could not list the accounts in scope. */
export class ListAccountsFailed extends PipelineError {
  constructor(code: string, detail: string) {
    super("ListAccountsFailed", code, detail);
  }
}

/**
 * AWS asked us to come back later (throttling, a 5xx, SlowDown, the network) and the SDK's own
 * retries were used up. Never a verdict on an account: the state machine retries the step with
 * backoff, and nothing is recorded as failed because of it.
 */
export class TransientAwsError extends PipelineError {
  constructor(code: string, detail: string) {
    super("TransientAwsError", code, detail);
  }
}

/** A Lambda received input or configuration it cannot work with: a bug or a bad deploy. */
export class InvalidInput extends PipelineError {
  constructor(detail: string) {
    super("InvalidInput", "InvalidInput", detail);
  }
}

/** What an AWS SDK error means to us. */
export interface AwsErrorFacts {
  readonly code: string;
  readonly message: string;
  /** Worth waiting for and trying again: throttling, limits, a service hiccup, the network. */
  readonly transient: boolean;
}

/** The one place that reads SDK errors: code, message and whether it is transient. */
export function describeAwsError(err: unknown): AwsErrorFacts {
  if (!(err instanceof Error)) {
    return { code: "Unknown", message: String(err), transient: false };
  }
  const e = err as SdkError & { Code?: string; code?: string };
  let code = e.Code ?? (e.name && e.name !== "Error" ? e.name : undefined) ?? e.code ?? "Unknown";
  let message = e.message;
  const status = e.$metadata?.httpStatusCode;
  // An error answer without a body (every HEAD) leaves the SDK only "Unknown"; its status says more.
  if ((code === "Unknown" || code === "UnknownError") && status !== undefined) {
    const text = STATUS_CODES[status] ?? "";
    code = text.replace(/\W/g, "") || `HTTP${status}`;
    message = `HTTP ${status} ${text}`.trim();
  }
  // The SDK's own classification, the one its retry strategies use: throttling (IAM's
  // LimitExceeded included, as LimitExceededException), 5xx, timeouts and dropped connections.
  const transient = isThrottlingError(e) || isTransientError(e) || isServerError(e);
  return { code, message, transient };
}

/** Whether the error is the connection failing (refused, reset, timed out), not an answer from AWS. */
export function isNetworkError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as SdkError;
  return e.$metadata?.httpStatusCode === undefined && e.$retryable === undefined && isTransientError(e);
}

/**
 * The error to hand the Lambda runtime. Its stack becomes the `trace` of the Step Functions
 * `Cause`, which is published to SNS: keep only the first line, so no file paths or code leave.
 */
export function withoutStackTrace(err: unknown): Error {
  const error = err instanceof Error ? err : new Error(String(err));
  error.stack = `${error.name}: ${error.message}`;
  return error;
}
