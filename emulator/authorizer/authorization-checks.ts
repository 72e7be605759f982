import type { AwsCall } from "./aws-requests";

/** One question IAM asks of a request: may the caller do this action on this resource, in this context. */
export interface Check {
  /** As the Service Authorization Reference names it: s3:PutObject, sts:AssumeRole, ... */
  readonly action: string;
  /** The resource's ARN, or "*" for an action that takes none. */
  readonly resource: string;
  /** The request's own condition keys (s3:prefix, securityhub:TargetAccount, ...); the caller's are added where judged. */
  readonly context: Readonly<Record<string, string | readonly string[]>>;
}

/** What the ARNs of a call need besides the call: where it is made, by whom, in which organization. */
export interface CallScope {
  readonly partition: string;
  /** The account of the credentials that signed the call. */
  readonly callerAccount: string;
  readonly organizationId?: string;
  readonly managementAccountId?: string;
}

const string = (value: unknown): string => (typeof value === "string" ? value : "");

/**
 * The checks IAM makes for a call, each with the action and resource the Service Authorization
 * Reference gives for the operation. An empty list: the call needs no permission (GetCallerIdentity).
 * Undefined: the operation is not known here, and so cannot be judged.
 */
export function checksOf(call: AwsCall, scope: CallScope): Check[] | undefined {
  const judge = SERVICES[call.service];
  return judge ? judge(call, { ...scope, region: call.region }) : undefined;
}

type Judge = (call: AwsCall, scope: CallScope & { readonly region: string }) => Check[] | undefined;

const one = (action: string, resource: string, context: Check["context"] = {}): Check[] => [{ action, resource, context }];

const SERVICES: Record<string, Judge> = {
  sts: (call) => {
    if (call.operation === "GetCallerIdentity") return [];
    if (call.operation === "AssumeRole") return one("sts:AssumeRole", string(call.params.RoleArn));
    return undefined;
  },

  iam: (call, { partition, callerAccount }) => {
    const arn = (path: string) => `arn:${partition}:iam::${callerAccount}:${path}`;
    const op = call.operation;
    const p = call.params;
    if (ACCOUNT_LEVEL_IAM.has(op)) return one(`iam:${op}`, "*");
    if (USER_IAM.has(op)) return one(`iam:${op}`, arn(`user${string(p.Path) || "/"}${string(p.UserName)}`));
    if (op === "CreateVirtualMFADevice") return one(`iam:${op}`, arn(`mfa${string(p.Path) || "/"}${string(p.VirtualMFADeviceName)}`));
    if (op === "DeleteVirtualMFADevice") return one(`iam:${op}`, string(p.SerialNumber));
    // The key's owner decides, whom the request does not name: judged as for every user of the account.
    if (op === "GetAccessKeyLastUsed") return one(`iam:${op}`, arn("user/*"));
    if (ROLE_IAM.has(op)) return one(`iam:${op}`, arn(`role${string(p.Path) || "/"}${string(p.RoleName)}`));
    return undefined;
  },

  sns: (call, { partition, region, callerAccount }) => {
    const p = call.params;
    if (call.operation === "Publish") return one("sns:Publish", string(p.TopicArn) || string(p.TargetArn));
    if (call.operation === "CreateTopic") return one("sns:CreateTopic", `arn:${partition}:sns:${region}:${callerAccount}:${string(p.Name)}`);
    if (call.operation === "ListTopics") return one("sns:ListTopics", "*");
    if (["GetTopicAttributes", "SetTopicAttributes", "DeleteTopic", "Subscribe", "ListSubscriptionsByTopic"].includes(call.operation)) return one(`sns:${call.operation}`, string(p.TopicArn));
    return undefined;
  },

  organizations: (call, { partition, organizationId, managementAccountId }) => {
    const op = call.operation;
    const p = call.params;
    const arn = (kind: string, id: string) => `arn:${partition}:organizations::${managementAccountId}:${kind}/${organizationId}/${id}`;
    const parent = (id: string) => arn(id.startsWith("r-") ? "root" : "ou", id);
    const account = (id: string) => arn("account", id);
    if (ORGANIZATION_LEVEL.has(op)) return one(`organizations:${op}`, "*");
    if (["ListAccountsForParent", "ListOrganizationalUnitsForParent", "ListChildren", "CreateOrganizationalUnit"].includes(op)) return one(`organizations:${op}`, parent(string(p.ParentId)));
    if (["MoveAccount", "CloseAccount", "DescribeAccount"].includes(op)) return one(`organizations:${op}`, account(string(p.AccountId)));
    if (op === "ListParents") return one("organizations:ListParents", account(string(p.ChildId)));
    if (["ListTagsForResource", "TagResource", "UntagResource"].includes(op) && /^\d{12}$/.test(string(p.ResourceId))) return one(`organizations:${op}`, account(string(p.ResourceId)));
    return undefined;
  },

  // AWS Account Management: an account of the organization by its id, or the caller's own account.
  account: (call, { partition, organizationId, managementAccountId, callerAccount }) => {
    const p = call.params;
    if (!["GetAlternateContact", "PutAlternateContact", "DeleteAlternateContact"].includes(call.operation)) return undefined;
    const resource = string(p.AccountId) ? `arn:${partition}:account::${managementAccountId}:account/${organizationId}/${string(p.AccountId)}` : `arn:${partition}:account::${callerAccount}:account`;
    return one(`account:${call.operation}`, resource, { "account:AlternateContactTypes": [string(p.AlternateContactType)] });
  },

  events: (call, { partition, region, callerAccount }) => {
    const bus = (name: unknown) => (string(name).startsWith("arn:") ? string(name) : `arn:${partition}:events:${region}:${callerAccount}:event-bus/${string(name) || "default"}`);
    const p = call.params;
    if (call.operation === "PutEvents") {
      const buses = new Set(((p.Entries as { EventBusName?: string }[] | undefined) ?? []).map((entry) => bus(entry.EventBusName)));
      return [...buses].map((resource) => ({ action: "events:PutEvents", resource, context: {} }));
    }
    if (["PutRule", "DescribeRule", "DeleteRule"].includes(call.operation)) return one(`events:${call.operation}`, `arn:${partition}:events:${region}:${callerAccount}:rule/${string(p.Name)}`);
    if (["PutTargets", "RemoveTargets", "ListTargetsByRule"].includes(call.operation)) return one(`events:${call.operation}`, `arn:${partition}:events:${region}:${callerAccount}:rule/${string(p.Rule)}`);
    return undefined;
  },

  sqs: (call, { partition, region, callerAccount }) => {
    const p = call.params;
    if (call.operation === "CreateQueue" || call.operation === "GetQueueUrl") return one(`sqs:${call.operation}`, `arn:${partition}:sqs:${region}:${callerAccount}:${string(p.QueueName)}`);
    if (["GetQueueAttributes", "SetQueueAttributes", "SendMessage", "ReceiveMessage", "DeleteMessage", "PurgeQueue", "DeleteQueue"].includes(call.operation)) {
      // https://sqs.<region>.amazonaws.com/<account>/<name>
      const [account, name] = new URL(string(p.QueueUrl), "http://queue").pathname.split("/").slice(1);
      return one(`sqs:${call.operation}`, `arn:${partition}:sqs:${region}:${account}:${name}`);
    }
    return undefined;
  },

  securityhub: (call, { partition, region, callerAccount }) => {
    const hub = `arn:${partition}:securityhub:${region}:${callerAccount}:hub/default`;
    if (call.operation === "BatchImportFindings") {
      // Each finding is judged for its product and the account it is about (securityhub:TargetAccount).
      const findings = (call.params.Findings as { ProductArn?: string; AwsAccountId?: string }[] | undefined) ?? [];
      const pairs = new Map(findings.map((f) => [`${f.ProductArn} ${f.AwsAccountId}`, f]));
      return [...pairs.values()].map((f) => ({ action: "securityhub:BatchImportFindings", resource: string(f.ProductArn), context: { "securityhub:TargetAccount": string(f.AwsAccountId) } }));
    }
    if (call.operation === "BatchUpdateFindings") {
      const { FindingIdentifiers: _, ...fields } = call.params;
      return one("securityhub:BatchUpdateFindings", hub, asffSyntaxPaths(fields));
    }
    if (["GetFindings", "EnableSecurityHub", "DescribeHub"].includes(call.operation)) return one(`securityhub:${call.operation}`, hub);
    return undefined;
  },

  states: (call) => {
    const p = call.params;
    if (call.operation === "StartExecution" || call.operation === "ListExecutions") return one(`states:${call.operation}`, string(p.stateMachineArn));
    if (["DescribeExecution", "StopExecution", "RedriveExecution"].includes(call.operation)) return one(`states:${call.operation}`, string(p.executionArn));
    return undefined;
  },

  kms: (call, { partition, region, callerAccount }) => (KEY_OPERATIONS.has(call.operation) ? one(`kms:${call.operation}`, keyArnOf(string(call.params.KeyId), { partition, region, account: callerAccount })) : undefined),

  // Operations that work on no resource of their own (Service Authorization Reference: "*").
  cloudtrail: (call) => (call.operation === "LookupEvents" ? one("cloudtrail:LookupEvents", "*") : undefined),

  logs: (call, { partition, region, callerAccount }) =>
    ["FilterLogEvents", "CreateLogGroup"].includes(call.operation) ? one(`logs:${call.operation}`, `arn:${partition}:logs:${region}:${callerAccount}:log-group:${string(call.params.logGroupName)}`) : undefined,

  cloudformation: (call, { partition, region, callerAccount }) => {
    const stackSet = `arn:${partition}:cloudformation:${region}:${callerAccount}:stackset/${string(call.params.StackSetName)}:*`;
    return ["ListStackInstances", "CreateStackSet", "CreateStackInstances"].includes(call.operation) ? one(`cloudformation:${call.operation}`, stackSet) : undefined;
  },

  scheduler: (call, { partition, region, callerAccount }) =>
    call.operation === "GetSchedule" ? one("scheduler:GetSchedule", `arn:${partition}:scheduler:${region}:${callerAccount}:schedule/${string(call.params.GroupName)}/${string(call.params.Name)}`) : undefined,

  s3: s3Checks,
};

/** A KMS key named by its ARN, or by its id in the caller's account (the docs give the ARN). */
export function keyArnOf(keyId: string, where: { readonly partition: string; readonly region: string; readonly account: string }): string {
  return keyId.startsWith("arn:") ? keyId : `arn:${where.partition}:kms:${where.region}:${where.account}:key/${keyId}`;
}

const KEY_OPERATIONS = new Set(["DescribeKey", "ScheduleKeyDeletion", "CancelKeyDeletion", "EnableKey", "DisableKey"]);

const ACCOUNT_LEVEL_IAM = new Set([
  "GenerateCredentialReport",
  "GetCredentialReport",
  "GetAccountSummary",
  "ListVirtualMFADevices",
  "GetAccountPasswordPolicy",
  "UpdateAccountPasswordPolicy",
  "DeleteAccountPasswordPolicy",
  "ListUsers",
  "ListRoles",
]);
const USER_IAM = new Set([
  "CreateUser",
  "GetUser",
  "DeleteUser",
  "TagUser",
  "CreateLoginProfile",
  "UpdateLoginProfile",
  "DeleteLoginProfile",
  "CreateAccessKey",
  "UpdateAccessKey",
  "DeleteAccessKey",
  "ListAccessKeys",
  "EnableMFADevice",
  "DeactivateMFADevice",
  "ListMFADevices",
]);
const ROLE_IAM = new Set(["CreateRole", "GetRole", "DeleteRole", "PutRolePolicy", "DeleteRolePolicy", "UpdateAssumeRolePolicy"]);
const ORGANIZATION_LEVEL = new Set([
  "ListAccounts",
  "DescribeOrganization",
  "ListRoots",
  "CreateOrganization",
  "CreateAccount",
  "DescribeCreateAccountStatus",
  "ListCreateAccountStatus",
  "EnableAWSServiceAccess",
  "DisableAWSServiceAccess",
  "RegisterDelegatedAdministrator",
  "DeregisterDelegatedAdministrator",
]);

/** BatchUpdateFindings' fields as their securityhub:ASFFSyntaxPath/<path> keys: Workflow.Status, Note.Text, ... */
function asffSyntaxPaths(fields: Record<string, unknown>, prefix = ""): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fields).flatMap(([name, value]) => {
      const path = `${prefix}${name}`;
      if (value && typeof value === "object" && !Array.isArray(value)) return [[`securityhub:ASFFSyntaxPath/${path}`, "present"], ...Object.entries(asffSyntaxPaths(value as Record<string, unknown>, `${path}.`))];
      return [[`securityhub:ASFFSyntaxPath/${path}`, Array.isArray(value) ? value.map(String).join(",") : String(value)]];
    }),
  );
}

/** S3's operations and the action each needs (Service Authorization Reference: Amazon S3). */
const S3_BUCKET_ACTIONS: Record<string, string> = {
  HeadBucket: "s3:ListBucket",
  ListObjects: "s3:ListBucket",
  ListObjectsV2: "s3:ListBucket",
  ListObjectVersions: "s3:ListBucketVersions",
  ListMultipartUploads: "s3:ListBucketMultipartUploads",
  CreateBucket: "s3:CreateBucket",
  DeleteBucket: "s3:DeleteBucket",
  GetBucketPolicy: "s3:GetBucketPolicy",
  PutBucketPolicy: "s3:PutBucketPolicy",
  DeleteBucketPolicy: "s3:DeleteBucketPolicy",
  GetBucketVersioning: "s3:GetBucketVersioning",
  PutBucketVersioning: "s3:PutBucketVersioning",
  GetBucketLocation: "s3:GetBucketLocation",
  GetBucketEncryption: "s3:GetEncryptionConfiguration",
  PutBucketEncryption: "s3:PutEncryptionConfiguration",
  GetObjectLockConfiguration: "s3:GetBucketObjectLockConfiguration",
  PutObjectLockConfiguration: "s3:PutBucketObjectLockConfiguration",
  PutBucketLifecycleConfiguration: "s3:PutLifecycleConfiguration",
  GetBucketLifecycleConfiguration: "s3:GetLifecycleConfiguration",
  // Deleting a bucket's lifecycle or encryption takes the Put action (Service Authorization Reference).
  DeleteBucketLifecycle: "s3:PutLifecycleConfiguration",
  DeleteBucketEncryption: "s3:PutEncryptionConfiguration",
  PutPublicAccessBlock: "s3:PutBucketPublicAccessBlock",
};

const S3_OBJECT_ACTIONS: Record<string, string> = {
  GetObject: "s3:GetObject",
  HeadObject: "s3:GetObject",
  PutObject: "s3:PutObject",
  CreateMultipartUpload: "s3:PutObject",
  UploadPart: "s3:PutObject",
  CompleteMultipartUpload: "s3:PutObject",
  AbortMultipartUpload: "s3:AbortMultipartUpload",
  ListParts: "s3:ListMultipartUploadParts",
  DeleteObject: "s3:DeleteObject",
  PutObjectRetention: "s3:PutObjectRetention",
  GetObjectRetention: "s3:GetObjectRetention",
};

function s3Checks(call: AwsCall, { partition }: CallScope): Check[] | undefined {
  const { bucket, key, query } = call.s3!;
  if (call.operation === "ListBuckets") return one("s3:ListAllMyBuckets", "*");
  const bucketArn = `arn:${partition}:s3:::${bucket}`;
  const objectArn = (objectKey: string) => `${bucketArn}/${objectKey}`;
  const versioned = (action: string) => (query.has("versionId") && (action === "s3:GetObject" || action === "s3:DeleteObject") ? `${action}Version` : action);
  const bypass = call.headers["x-amz-bypass-governance-retention"] === "true";
  if (key === undefined) {
    if (call.operation === "DeleteObjects") {
      // <Delete><Object><Key>k</Key><VersionId>v</VersionId></Object>...</Delete>
      const objects = [...call.body.toString().matchAll(/<Object>\s*<Key>([^<]*)<\/Key>(?:\s*<VersionId>([^<]*)<\/VersionId>)?/g)];
      return [
        ...objects.map(([, objectKey, versionId]) => ({ action: versionId ? "s3:DeleteObjectVersion" : "s3:DeleteObject", resource: objectArn(unxml(objectKey)), context: {} })),
        ...(bypass ? objects.map(([, objectKey]) => ({ action: "s3:BypassGovernanceRetention", resource: objectArn(unxml(objectKey)), context: {} })) : []),
      ];
    }
    const action = S3_BUCKET_ACTIONS[call.operation];
    if (!action) return undefined;
    const prefix = query.get("prefix");
    return one(action, bucketArn, action.startsWith("s3:ListBucket") && prefix !== null ? { "s3:prefix": prefix } : {});
  }
  if (call.operation === "CopyObject" || call.operation === "UploadPartCopy") {
    const source = decodeURIComponent(String(call.headers["x-amz-copy-source"])).replace(/^\//, "").split("?")[0];
    return [
      { action: "s3:GetObject", resource: `arn:${partition}:s3:::${source}`, context: {} },
      { action: "s3:PutObject", resource: objectArn(key), context: writeContext(call) },
    ];
  }
  const action = S3_OBJECT_ACTIONS[call.operation];
  if (!action) return undefined;
  return [
    { action: versioned(action), resource: objectArn(key), context: action === "s3:PutObject" ? writeContext(call) : {} },
    ...(bypass && action === "s3:DeleteObject" ? [{ action: "s3:BypassGovernanceRetention", resource: objectArn(key), context: {} }] : []),
  ];
}

/** The operations that create an object, as s3:ObjectCreationOperation tells them from a multipart upload's other steps. */
const CREATES_OBJECT = new Set(["PutObject", "CopyObject", "CompleteMultipartUpload"]);

/**
 * A write's condition keys: s3:if-none-match, present only when the request sends If-None-Match
 * (S3's conditional writes), and s3:ObjectCreationOperation, true for the operations that create
 * an object (Amazon S3 User Guide, "Enforce conditional writes on Amazon S3 buckets").
 */
function writeContext(call: AwsCall): Record<string, string> {
  const header = call.headers["if-none-match"];
  return { ...(typeof header === "string" ? { "s3:if-none-match": header } : {}), "s3:ObjectCreationOperation": String(CREATES_OBJECT.has(call.operation)) };
}

function unxml(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
}
