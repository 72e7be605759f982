import type { OutgoingHttpHeaders } from "node:http";

/** An HTTP answer to send back. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body?: string;
  /** The AWS error code of an error answer, as CloudTrail records it. */
  readonly errorCode?: string;
}

/** An AWS error: the HTTP status and the error code the service sends, with its message. */
export interface AwsError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** The services whose errors are JSON (`__type`): the JSON 1.0/1.1 protocols, and Security Hub's and Account Management's REST-JSON. */
const JSON_SERVICES = new Set(["organizations", "events", "securityhub", "states", "sqs", "kms", "account"]);

/**
 * An error answer in the service's own protocol, as the SDK reads it: REST XML for S3, JSON with
 * `__type` for the JSON services, the query protocol's ErrorResponse for STS, IAM and SNS. A HEAD
 * answer has no body: the SDK names the error from the status alone, as it does with S3.
 */
export function errorAnswer(service: string, error: AwsError, options: { readonly head?: boolean; readonly requestId?: string } = {}): HttpAnswer {
  const requestId = options.requestId ?? "emulator";
  if (service === "s3") {
    const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${error.code}</Code><Message>${xml(error.message)}</Message><RequestId>${requestId}</RequestId></Error>`;
    return { status: error.status, headers: { "content-type": "application/xml", "x-amz-request-id": requestId }, body: options.head ? undefined : body, errorCode: error.code };
  }
  if (JSON_SERVICES.has(service)) {
    return {
      status: error.status,
      headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": error.code, "x-amzn-requestid": requestId },
      body: JSON.stringify({ __type: error.code, message: error.message }),
      errorCode: error.code,
    };
  }
  const type = error.status >= 500 ? "Receiver" : "Sender";
  return {
    status: error.status,
    headers: { "content-type": "text/xml" },
    body: `<ErrorResponse><Error><Type>${type}</Type><Code>${error.code}</Code><Message>${xml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    errorCode: error.code,
  };
}

/** The code each service answers a denied request with (HTTP 403; the JSON services 400). */
export function accessDenied(service: string, message: string): AwsError {
  const code: Record<string, string> = { sns: "AuthorizationError", organizations: "AccessDeniedException", events: "AccessDeniedException", securityhub: "AccessDeniedException", states: "AccessDeniedException", sqs: "AccessDenied", kms: "AccessDeniedException", account: "AccessDeniedException" };
  return { status: ["organizations", "events", "states", "kms"].includes(service) ? 400 : 403, code: code[service] ?? "AccessDenied", message };
}

function xml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
