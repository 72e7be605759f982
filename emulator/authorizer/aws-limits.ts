import type { AwsError } from "./aws-answers";
import type { AwsCall } from "./aws-requests";

/**
 * AWS's request limits that the pipeline comes near, each with its number and the page that
 * gives it. A request past one is refused as the service refuses it, before it reaches the
 * emulator (which checks few of them).
 */
export const LIMITS = {
  /** "less than 100 characters long", no line breaks or control characters: Amazon SNS API Reference, Publish (Subject). */
  snsSubjectCharacters: 99,
  /** "at most 256 KB in size (262,144 bytes, not 262,144 characters)": Amazon SNS API Reference, Publish (Message). */
  snsMessageBytes: 262_144,
  /**
   * "All parts of the message attribute, including name, type, and value, are included in the
   * message size restriction, which is 256 KiB (262,144 bytes)": Amazon SNS API Reference, MessageAttributeValue.
   */
  snsMessageAndAttributesBytes: 262_144,
  /** 1 to 10 entries a call: Amazon EventBridge API Reference, PutEvents (Entries). */
  eventBridgeEntries: 10,
  /** The entries' size as EventBridge counts it, under 1 MB since January 2026 (256 KB before): EventBridge User Guide, "Calculating PutEvents event entry size". */
  eventBridgeEntryBytes: 1_048_576,
  /** DetailType "a maximum of 128 characters": EventBridge API Reference, PutEventsRequestEntry. */
  eventBridgeDetailTypeCharacters: 128,
  /** "up to 100 findings per batch, up to 240 KB per finding, and up to 6 MB per batch": Security Hub, "Guidelines for using the BatchImportFindings API". */
  securityHubFindingsPerCall: 100,
  securityHubFindingBytes: 240 * 1024,
  securityHubBatchBytes: 6 * 1024 * 1024,
  /** Field lengths of AwsSecurityFinding and Recommendation (Security Hub API Reference): Title 256, Description 1024, Id and GeneratorId 512, Recommendation.Text 512. */
  securityHubFieldCharacters: { Title: 256, Description: 1024, Id: 512, GeneratorId: 512, "Remediation.Recommendation.Text": 512 } as Readonly<Record<string, number>>,
  /** "a maximum length of 1,024 bytes" (UTF-8): Amazon S3 User Guide, "Naming Amazon S3 objects". */
  s3KeyBytes: 1024,
  /** User-defined metadata "limited to 2 KB", the UTF-8 bytes of each key and value: S3 User Guide, "Working with object metadata". */
  s3MetadataBytes: 2048,
  /** Session policy plaintext "can't exceed 2,048 characters": AWS STS API Reference, AssumeRole (Policy). */
  stsSessionPolicyCharacters: 2048,
  /** RoleSessionName 2-64 of [\w+=,.@-]; DurationSeconds from 900 to the role's maximum (1 hour unless raised): STS API Reference, AssumeRole. */
  stsSessionName: /^[\w+=,.@-]{2,64}$/,
  stsDurationSeconds: [900, 3600] as const,
  /**
   * StartExecution's name: 1-80 characters (a length outside is a ValidationException, as for any
   * constrained member), none of whitespace, < > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : / or control
   * characters (InvalidName): AWS Step Functions API Reference, StartExecution, "name".
   */
  stepFunctionsExecutionNameLength: [1, 80] as const,
  stepFunctionsExecutionName: /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]*$/,
} as const;

/** What a check finds: the message, with the error code where the service has one for this limit. */
type Refusal = string | { readonly code: string; readonly message: string; readonly status?: number };

const CODES: Record<string, string> = { sns: "InvalidParameter", states: "ValidationException", events: "ValidationException", securityhub: "InvalidInputException", sts: "ValidationError" };

const bytes = (text: string) => Buffer.byteLength(text, "utf8");

/** The refusal of a request past one of AWS's limits, in the service's words; undefined when it is within them. */
export function limitRefusal(call: AwsCall): AwsError | undefined {
  const check = LIMIT_CHECKS[`${call.service}:${call.operation}`];
  const refusal = check?.(call);
  if (!refusal) return undefined;
  return typeof refusal === "string" ? { status: 400, code: CODES[call.service] ?? "InvalidRequest", message: refusal } : { status: 400, ...refusal };
}

const text = (value: unknown) => (typeof value === "string" ? value : "");

const LIMIT_CHECKS: Record<string, (call: AwsCall) => Refusal | undefined> = {
  // A presigned URL holds its own expiry: X-Amz-Date (yyyyMMddTHHmmssZ) plus X-Amz-Expires seconds.
  "s3:GetObject": ({ s3 }) => {
    const signedAt = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s3?.query.get("X-Amz-Date") ?? "");
    const expires = Number(s3?.query.get("X-Amz-Expires"));
    if (!signedAt || !expires) return undefined;
    const [, y, mo, d, h, mi, se] = signedAt;
    const expiry = Date.UTC(+y, +mo - 1, +d, +h, +mi, +se) + expires * 1000;
    return Date.now() > expiry ? { status: 403, code: "AccessDenied", message: "Request has expired" } : undefined;
  },
  "sns:Publish": ({ params }) => {
    const subject = text(params.Subject);
    if (subject.length > LIMITS.snsSubjectCharacters) return "Invalid parameter: Subject must be less than 100 characters";
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(subject)) return "Invalid parameter: Subject must not contain line breaks or control characters";
    if (bytes(text(params.Message)) > LIMITS.snsMessageBytes) return "Invalid parameter: Message too long";
    // The query form's attributes: MessageAttributes.entry.N.Name, .Value.DataType, .Value.StringValue (or BinaryValue).
    const attributes = Object.entries(params)
      .filter(([name]) => /^MessageAttributes\.entry\.\d+\.(Name|Value\.DataType|Value\.StringValue|Value\.BinaryValue)$/.test(name))
      .reduce((sum, [, value]) => sum + bytes(text(value)), 0);
    if (bytes(text(params.Message)) + attributes > LIMITS.snsMessageAndAttributesBytes) return "Invalid parameter: Message too long (with its attributes)";
    return undefined;
  },
  "events:PutEvents": ({ params }) => {
    const entries = (params.Entries as { Time?: unknown; Source?: string; DetailType?: string; Detail?: string; Resources?: string[] }[] | undefined) ?? [];
    if (entries.length < 1 || entries.length > LIMITS.eventBridgeEntries) return `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${LIMITS.eventBridgeEntries}`;
    if (entries.some((e) => text(e.DetailType).length > LIMITS.eventBridgeDetailTypeCharacters)) return "DetailType must be at most 128 characters";
    // The User Guide's sum: 14 bytes for Time, and the UTF-8 bytes of Source, DetailType, Detail and each Resource.
    const size = entries.reduce((sum, e) => sum + (e.Time ? 14 : 0) + bytes(text(e.Source)) + bytes(text(e.DetailType)) + bytes(text(e.Detail)) + (e.Resources ?? []).reduce((r, arn) => r + bytes(arn), 0), 0);
    if (size >= LIMITS.eventBridgeEntryBytes) return `Total size of the entries in the request is over the limit (${size} bytes)`;
    return undefined;
  },
  "securityhub:BatchImportFindings": ({ params, body }) => {
    const findings = (params.Findings as Record<string, unknown>[] | undefined) ?? [];
    if (findings.length > LIMITS.securityHubFindingsPerCall) return `Findings: at most ${LIMITS.securityHubFindingsPerCall} a request, got ${findings.length}`;
    if (body.length > LIMITS.securityHubBatchBytes) return `the request is ${body.length} bytes, over 6 MB`;
    for (const finding of findings) {
      const size = bytes(JSON.stringify(finding));
      if (size > LIMITS.securityHubFindingBytes) return `Finding ${text(finding.Id)} is ${size} bytes, over 240 KB`;
      for (const [path, max] of Object.entries(LIMITS.securityHubFieldCharacters)) {
        const value = path.split(".").reduce<unknown>((at, part) => (at && typeof at === "object" ? (at as Record<string, unknown>)[part] : undefined), finding);
        if (value === undefined) continue;
        if (typeof value !== "string" || !/\S/.test(value) || value.length > max) return `Finding ${text(finding.Id)}: ${path} must be 1-${max} characters and not blank, got ${typeof value === "string" ? value.length : typeof value}`;
      }
    }
    return undefined;
  },
  "sts:AssumeRole": ({ params }) => {
    const policy = text(params.Policy);
    if (policy.length > LIMITS.stsSessionPolicyCharacters) return `1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to ${LIMITS.stsSessionPolicyCharacters}`;
    if (!LIMITS.stsSessionName.test(text(params.RoleSessionName))) return "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64 and match [\\w+=,.@-]*";
    const duration = params.DurationSeconds === undefined ? 3600 : Number(params.DurationSeconds);
    const [least, most] = LIMITS.stsDurationSeconds;
    if (!(duration >= least && duration <= most)) return `The requested DurationSeconds ${duration} exceeds the MaxSessionDuration set for this role, or is under ${least}`;
    return undefined;
  },
  "states:StartExecution": ({ params }) => {
    if (params.name === undefined) return undefined;
    const name = text(params.name);
    const [least, most] = LIMITS.stepFunctionsExecutionNameLength;
    if (name.length < least || name.length > most) return `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must have length between ${least} and ${most}`;
    return LIMITS.stepFunctionsExecutionName.test(name) ? undefined : { code: "InvalidName", message: `Invalid Name: '${name}'` };
  },
  "s3:PutObject": s3ObjectLimits,
  "s3:CreateMultipartUpload": s3ObjectLimits,
  "s3:CopyObject": s3ObjectLimits,
};

function s3ObjectLimits({ s3, headers }: AwsCall): Refusal | undefined {
  if (bytes(s3?.key ?? "") > LIMITS.s3KeyBytes) return { code: "KeyTooLongError", message: "Your key is too long" };
  const metadata = Object.entries(headers)
    .filter(([name]) => name.startsWith("x-amz-meta-"))
    .reduce((sum, [name, value]) => sum + bytes(name.slice("x-amz-meta-".length)) + bytes(String(value)), 0);
  if (metadata > LIMITS.s3MetadataBytes) return { code: "MetadataTooLarge", message: "Your metadata headers exceed the maximum allowed metadata size" };
  return undefined;
}
