import type { IncomingHttpHeaders } from "node:http";

/** An AWS API call as it arrives over HTTP: who signed it, the service, the operation and its parameters. */
export interface AwsCall {
  /** The access key of the SigV4 signature; undefined for an unsigned request. */
  readonly accessKeyId?: string;
  /** The service's signing name: s3, sts, iam, sns, organizations, events, securityhub, states, sqs, kms. */
  readonly service: string;
  readonly region: string;
  /** The API operation: AssumeRole, PutObject, ListAccounts, BatchImportFindings, ... */
  readonly operation: string;
  /** The query protocol's form, or the JSON body, flattened to what the operation names. */
  readonly params: Readonly<Record<string, unknown>>;
  /** S3's REST addressing (path style): bucket, key, query and headers. */
  readonly s3?: S3Address;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface S3Address {
  readonly bucket?: string;
  readonly key?: string;
  readonly query: URLSearchParams;
}

/** The HTTP request as a proxy receives it. */
export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

// Authorization: AWS4-HMAC-SHA256 Credential=<access key>/<date>/<region>/<service>/aws4_request, ...
const CREDENTIAL = /Credential=([^/,\s]+)\/[^/]+\/([^/]+)\/([^/]+)\//;

/** Reads an SDK v3 request: the signature's scope (a header, or a presigned URL's query), then the operation in the service's own protocol. */
export function describeCall(request: HttpRequest): AwsCall {
  const url = new URL(request.url, "http://emulator");
  const presigned = url.searchParams.get("X-Amz-Credential");
  const scope = CREDENTIAL.exec(request.headers.authorization ? String(request.headers.authorization) : `Credential=${presigned ?? ""}`);
  const service = scope?.[3] ?? "unknown";
  const base = { accessKeyId: scope?.[1], service, region: scope?.[2] ?? "us-east-1", headers: request.headers, body: request.body };
  if (service === "s3") {
    // Path style: /<bucket>/<key>
    const [, bucket, ...keyParts] = url.pathname.split("/");
    const key = keyParts.length > 0 && keyParts.join("/") !== "" ? decodeURIComponent(keyParts.join("/")) : undefined;
    const s3 = { bucket: bucket ? decodeURIComponent(bucket) : undefined, key, query: url.searchParams };
    return { ...base, operation: s3Operation(request.method, s3, request.headers), params: Object.fromEntries(url.searchParams), s3 };
  }
  if (service === "securityhub") return { ...base, operation: securityHubOperation(request.method, url.pathname), params: jsonBody(request.body) };
  // Account Management is REST-JSON: POST /getAlternateContact names the operation in its path.
  if (service === "account") return { ...base, operation: url.pathname.replace(/^\/+/, "").replace(/^./, (c) => c.toUpperCase()), params: jsonBody(request.body) };
  // EventBridge Scheduler is REST-JSON: GET /schedules/<name>?groupName=<group>.
  if (service === "scheduler") {
    const name = /^\/schedules\/([^/]+)$/.exec(url.pathname)?.[1];
    const operation = name && request.method === "GET" ? "GetSchedule" : `${request.method} ${url.pathname}`;
    return { ...base, operation, params: { ...(name ? { Name: decodeURIComponent(name) } : {}), GroupName: url.searchParams.get("groupName") ?? "default" } };
  }
  const target = request.headers["x-amz-target"];
  // The JSON protocols: X-Amz-Target is <service prefix>.<operation>.
  if (typeof target === "string") return { ...base, operation: target.split(".").pop() ?? target, params: jsonBody(request.body) };
  // The query protocol of STS, IAM and SNS: a form with Action.
  const form = Object.fromEntries(new URLSearchParams(request.body.toString()));
  return { ...base, operation: form.Action ?? "unknown", params: form };
}

function jsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(body.toString());
    return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function securityHubOperation(method: string, path: string): string {
  const operations: Record<string, string> = {
    "POST /findings/import": "BatchImportFindings",
    "PATCH /findings/batchupdate": "BatchUpdateFindings",
    "POST /findings": "GetFindings",
    "POST /accounts": "EnableSecurityHub",
    "GET /accounts": "DescribeHub",
  };
  return operations[`${method} ${path}`] ?? `${method} ${path}`;
}

/** The query parameters of a bucket listing, of a request that takes none but the SDK's own x-id, and of object requests. */
const LISTING_PARAMETERS = new Set(["list-type", "prefix", "delimiter", "max-keys", "continuation-token", "start-after", "encoding-type", "fetch-owner", "marker", "x-id"]);
const NO_PARAMETERS = new Set(["x-id"]);
const OBJECT_PARAMETERS = new Set(["x-id", "versionId", "uploads", "uploadId", "partNumber", "retention"]);

/** The S3 API operation of a path-style REST request, as the S3 API Reference names them. */
function s3Operation(method: string, { bucket, key, query }: S3Address, headers: IncomingHttpHeaders): string {
  if (bucket === undefined) return method === "GET" ? "ListBuckets" : `${method} /`;
  if (key === undefined) {
    const bucketOperations: Record<string, Record<string, string>> = {
      GET: { policy: "GetBucketPolicy", versioning: "GetBucketVersioning", lifecycle: "GetBucketLifecycleConfiguration", location: "GetBucketLocation", encryption: "GetBucketEncryption", "object-lock": "GetObjectLockConfiguration", versions: "ListObjectVersions", uploads: "ListMultipartUploads" },
      PUT: { policy: "PutBucketPolicy", versioning: "PutBucketVersioning", encryption: "PutBucketEncryption", "object-lock": "PutObjectLockConfiguration", lifecycle: "PutBucketLifecycleConfiguration", publicAccessBlock: "PutPublicAccessBlock" },
      DELETE: { policy: "DeleteBucketPolicy", lifecycle: "DeleteBucketLifecycle", encryption: "DeleteBucketEncryption" },
      POST: { delete: "DeleteObjects" },
    };
    const named = Object.entries(bucketOperations[method] ?? {}).find(([subresource]) => query.has(subresource));
    if (named) return named[1];
    // A subresource not named above (?acl, ?tagging, ...) is some other operation: left unnamed, so it is never judged as another.
    const unknown = [...query.keys()].filter((name) => !(method === "GET" ? LISTING_PARAMETERS : NO_PARAMETERS).has(name));
    if (unknown.length > 0) return `${method} bucket?${unknown.join("&")}`;
    if (method === "GET") return query.get("list-type") === "2" ? "ListObjectsV2" : "ListObjects";
    return { HEAD: "HeadBucket", PUT: "CreateBucket", DELETE: "DeleteBucket" }[method] ?? `${method} bucket`;
  }
  // A presigned URL carries its signature and hoisted headers as X-Amz-* parameters: none is a subresource.
  const unknown = [...query.keys()].filter((name) => !OBJECT_PARAMETERS.has(name) && !name.startsWith("response-") && !/^x-amz-/i.test(name));
  if (unknown.length > 0) return `${method} object?${unknown.join("&")}`;
  if (method === "POST" && query.has("uploads")) return "CreateMultipartUpload";
  if (method === "POST" && query.has("uploadId")) return "CompleteMultipartUpload";
  if (method === "PUT" && query.has("uploadId")) return headers["x-amz-copy-source"] ? "UploadPartCopy" : "UploadPart";
  if (method === "DELETE" && query.has("uploadId")) return "AbortMultipartUpload";
  if (method === "GET" && query.has("uploadId")) return "ListParts";
  if (method === "PUT" && query.has("retention")) return "PutObjectRetention";
  if (method === "GET" && query.has("retention")) return "GetObjectRetention";
  if (method === "PUT" && headers["x-amz-copy-source"]) return "CopyObject";
  return { GET: "GetObject", HEAD: "HeadObject", PUT: "PutObject", DELETE: "DeleteObject" }[method] ?? `${method} object`;
}
