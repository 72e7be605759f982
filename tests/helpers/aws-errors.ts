import { IAMServiceException } from "@aws-sdk/client-iam";

/**
 * An error shaped like the ones the AWS SDK throws (every client's share one base), for injected
 * clients: `Code` as the service sent it, `name` the SDK's class for it. For a modeled error of a
 * query protocol the two differ (IAM's LimitExceeded is thrown as LimitExceededException).
 */
export function awsError(code: string, httpStatusCode: number, message = `${code} (injected)`, name = code): Error {
  return Object.assign(
    new IAMServiceException({ name, message, $fault: httpStatusCode >= 500 ? "server" : "client", $metadata: { httpStatusCode } }),
    { Code: code },
  );
}
