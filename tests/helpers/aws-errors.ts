import { IAMServiceException } from "@aws-sdk/client-iam";

/** An error shaped like the ones the AWS SDK throws (every client's share one base), for injected clients. */
export function awsError(name: string, httpStatusCode: number, message = `${name} (injected)`): Error {
  return Object.assign(
    new IAMServiceException({ name, message, $fault: httpStatusCode >= 500 ? "server" : "client", $metadata: { httpStatusCode } }),
    { Code: name },
  );
}
