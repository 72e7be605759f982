import { memberRoleInAnyAccount, objectsUnder, organizationParents, type RunFileWriter, runFilesOf } from "./arns";
import { policyDocument, type PolicyDocument, type PolicyStatement } from "./document";

/** Where reports are stored, as the identity policies of the writers need it. */
export interface StorageTarget {
  readonly bucketArn: string;
  /** Key prefix the pipeline writes under, ending with "/". */
  readonly prefix: string;
  /** The SSE-KMS key of the bucket, when it has one. */
  readonly kmsKeyArn?: string;
  /** The bucket's region: S3 is the only way the writers may use the key. */
  readonly region: string;
}

/** Lambda writes only to its own log group (we create it, so no logs:CreateLogGroup). */
function writeOwnLogs(logGroupArn: string): PolicyStatement {
  return {
    Sid: "WriteOwnLogs",
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: `${logGroupArn}:log-stream:*`,
  };
}

/**
 * SSE-KMS reads and writes through S3, for this bucket only: a data key for each PUT, Decrypt for S3
 * Bucket Keys and reads. S3 names the bucket in the encryption context (`aws:s3:arn`: the bucket's
 * ARN with S3 Bucket Keys, the object's without; S3 User Guide, "Encryption context"), so the key
 * serves no other bucket for these principals.
 */
export function useKeyThroughS3(sid: string, region: string, resource: string, bucketArn: string): PolicyStatement {
  return {
    Sid: sid,
    Effect: "Allow",
    Action: ["kms:GenerateDataKey", "kms:Decrypt"],
    Resource: resource,
    Condition: {
      StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` },
      StringLike: { "kms:EncryptionContext:aws:s3:arn": [bucketArn, `${bucketArn}/*`] },
    },
  };
}

/**
 * "Unless the request creates an object only if absent": S3 takes If-None-Match on PutObject and
 * CompleteMultipartUpload, which create objects, and on neither CreateMultipartUpload, UploadPart
 * nor UploadPartCopy, which do not (s3:ObjectCreationOperation false; Amazon S3 User Guide,
 * "Enforce conditional writes on Amazon S3 buckets"). IfExists: a request without the key is denied.
 */
export const ONLY_IF_ABSENT_CREATES = { Null: { "s3:if-none-match": "true" }, BoolIfExists: { "s3:ObjectCreationOperation": "true" } };

/**
 * The run files: read every one under the prefix, list the prefix, store only the writer's own
 * files (arns.ts RUN_FILES), and never replace one: the bucket policy's rules, repeated on the
 * role's side so they hold in an existing bucket whose policy is not ours. Every writer lists: a
 * GET of a missing key answers 403 to a caller that may not list (read-if-present.ts), and the
 * steps look for what an earlier run or try stored (the run before, an account's analysis).
 */
function storageStatements(storage: StorageTarget, writer: RunFileWriter): PolicyStatement[] {
  return [
    { Sid: "ReadRunFiles", Effect: "Allow", Action: "s3:GetObject", Resource: objectsUnder(storage.bucketArn, storage.prefix) },
    { Sid: "StoreOwnRunFiles", Effect: "Allow", Action: "s3:PutObject", Resource: runFilesOf(storage.bucketArn, storage.prefix, writer) },
    {
      Sid: "DenyPutUnlessAbsent",
      Effect: "Deny",
      Action: "s3:PutObject",
      Resource: objectsUnder(storage.bucketArn, storage.prefix),
      Condition: ONLY_IF_ABSENT_CREATES,
    },
    {
      Sid: "ListRunFiles",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: storage.bucketArn,
      Condition: { StringLike: { "s3:prefix": `${storage.prefix}*` } },
    },
    ...(storage.kmsKeyArn ? [useKeyThroughS3("EncryptWithReportKey", storage.region, storage.kmsKeyArn, storage.bucketArn)] : []),
  ];
}

export interface CollectorPolicyArgs {
  readonly partition: string;
  readonly organizationId: string;
  readonly memberRoleName: string;
  readonly storage: StorageTarget;
  readonly logGroupArn: string;
  /**
   * With Security Hub on: the pipeline's own account, whose findings the collector imports with
   * its own role (in every other account it imports with the member role's session it holds).
   */
  readonly securityHub?: SecurityHubTarget;
  /** With remediation on or in a dry run: what it needs in the pipeline's own account (the member role's elsewhere). */
  readonly remediation?: { readonly mode: RemediationMode; readonly accountId: string };
}

/**
 * CollectReport: assume the member role (that name only, only inside the organization), read
 * the credential report of its own account, store reports and their analyses, and with Security
 * Hub on import its own account's findings. GetObject is there because HeadObject needs it: a
 * retried PUT compares the stored checksum instead of overwriting.
 */
export function collectorPolicy(args: CollectorPolicyArgs): PolicyDocument {
  return policyDocument(
    {
      Sid: "AssumeMemberRole",
      Effect: "Allow",
      Action: "sts:AssumeRole",
      Resource: memberRoleInAnyAccount(args.partition, args.memberRoleName),
      // PrincipalOrgID keeps the caller inside the organization; ResourceOrgID keeps the role
      // it assumes there too, so a same-named role in a foreign account is out of reach.
      Condition: { StringEquals: { "aws:PrincipalOrgID": args.organizationId, "aws:ResourceOrgID": args.organizationId } },
    },
    {
      Sid: "ReadOwnAccountCredentialReport",
      Effect: "Allow",
      Action: ["iam:GenerateCredentialReport", "iam:GetCredentialReport"],
      // The credential report actions support no resource-level permissions.
      Resource: "*",
    },
    accountCredentialSettingsStatement(),
    ...storageStatements(args.storage, "collector"),
    ...(args.securityHub ? ownFindingsStatements(args.securityHub) : []),
    ...(args.remediation ? keyRemediationStatements(args.remediation.mode, { partition: args.partition, accountId: args.remediation.accountId }) : []),
    writeOwnLogs(args.logGroupArn),
  );
}

/**
 * Read what the credential report leaves out, all read-only: the root user's password, keys and
 * MFA (GetAccountSummary), whether its MFA device is virtual (ListVirtualMFADevices) and the
 * password policy (GetAccountPasswordPolicy). None of the three takes a resource.
 */
export function accountCredentialSettingsStatement(): PolicyStatement {
  return {
    Sid: "ReadAccountCredentialSettings",
    Effect: "Allow",
    Action: ["iam:GetAccountSummary", "iam:ListVirtualMFADevices", "iam:GetAccountPasswordPolicy"],
    Resource: "*",
  };
}

/**
 * What the pipeline may do about unused access keys (the stack's remediation): nothing; read a
 * user's keys and when each was last used (a dry run); or that and deactivate one.
 */
export type RemediationMode = "off" | "dry-run" | "on";
export const REMEDIATION_MODES: readonly RemediationMode[] = ["off", "dry-run", "on"];

/**
 * The rights remediation needs in one account, on its IAM users only: ListAccessKeys and
 * GetAccessKeyLastUsed to find the key the report names and confirm it unused, UpdateAccessKey to
 * deactivate it. No DeleteAccessKey, ever: a deactivated key can be made active again.
 */
export function keyRemediationStatements(mode: RemediationMode, account: { readonly partition: string; readonly accountId: string }): PolicyStatement[] {
  const users = `arn:${account.partition}:iam::${account.accountId}:user/*`;
  if (mode === "off") return [];
  const read: PolicyStatement = { Sid: "ReadUserAccessKeys", Effect: "Allow", Action: ["iam:ListAccessKeys", "iam:GetAccessKeyLastUsed"], Resource: users };
  if (mode === "dry-run") return [read];
  return [read, { Sid: "DeactivateUserAccessKeys", Effect: "Allow", Action: "iam:UpdateAccessKey", Resource: users }];
}

/** The Distributed Map's working files: a bucket of the pipeline's own account (SSE-S3) and their prefix. */
export interface MapFilesTarget {
  readonly bucketArn: string;
  /** e.g. "map-runs/" */
  readonly prefix: string;
  /** Where Summarize's large parts wait, e.g. "summarize-parts/" */
  readonly partsPrefix: string;
}

export interface ListAccountsPolicyArgs {
  readonly partition: string;
  readonly organizationId: string;
  readonly storage: StorageTarget;
  readonly mapFiles: MapFilesTarget;
  readonly logGroupArn: string;
  /** Where the accounts' owners are read (the stack's ownerSources); none, nothing more is granted. @default [] */
  readonly ownerSources?: readonly ("file" | "tag" | "contact")[];
  /** The account ListAccounts runs in, whose own alternate contact is read without an account id. */
  readonly accountId?: string;
}

/** ListAccounts: read the organization's accounts and OUs, and record the run's account list. */
export function listAccountsPolicy(args: ListAccountsPolicyArgs): PolicyDocument {
  return policyDocument(
    {
      Sid: "ReadOrganizationAccounts",
      Effect: "Allow",
      Action: ["organizations:DescribeOrganization", "organizations:ListAccounts"],
      // Neither action takes a resource; both are read-only and bound to the caller's organization.
      Resource: "*",
    },
    {
      Sid: "WalkOrganizationalUnits",
      Effect: "Allow",
      Action: ["organizations:ListAccountsForParent", "organizations:ListOrganizationalUnitsForParent"],
      // The root and the OUs of this organization only, whichever OUs it has now or later.
      Resource: organizationParents(args.partition, args.organizationId),
    },
    ...ownersStatements(args),
    ...storageStatements(args.storage, "listAccounts"),
    // The list the Distributed Map reads (accounts-to-collect.json).
    { Sid: "StoreMapInput", Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: objectsUnder(args.mapFiles.bucketArn, args.mapFiles.prefix) },
    writeOwnLogs(args.logGroupArn),
  );
}

/**
 * Reading the accounts' owners, only for the sources the stack asks: the OU tree from the root
 * (ListRoots: no resource; the parents are granted already) for every source, each account's tags
 * (ListTagsForResource on the organization's accounts), and each account's SECURITY alternate
 * contact (GetAlternateContact, on the organization's accounts and on the pipeline's own).
 */
function ownersStatements(args: ListAccountsPolicyArgs): PolicyStatement[] {
  const sources = args.ownerSources ?? [];
  if (sources.length === 0) return [];
  const statements: PolicyStatement[] = [{ Sid: "FindOrganizationRoot", Effect: "Allow", Action: "organizations:ListRoots", Resource: "*" }];
  if (sources.includes("tag")) {
    statements.push({ Sid: "ReadAccountOwnerTags", Effect: "Allow", Action: "organizations:ListTagsForResource", Resource: `arn:${args.partition}:organizations::*:account/${args.organizationId}/*` });
  }
  if (sources.includes("contact")) {
    statements.push({
      Sid: "ReadSecurityContacts",
      Effect: "Allow",
      Action: "account:GetAlternateContact",
      Resource: [`arn:${args.partition}:account::*:account/${args.organizationId}/*`, ...(args.accountId ? [`arn:${args.partition}:account::${args.accountId}:account`] : [])],
      // The security contact only, never billing's or operations'.
      Condition: { "ForAnyValue:StringEquals": { "account:AlternateContactTypes": ["SECURITY"] } },
    });
  }
  return statements;
}

/** Where an account's own findings go in Security Hub: its default product and its hub, in one region. */
export interface SecurityHubTarget {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

/**
 * Import the account's own findings: BatchImportFindings to the account's default product, for
 * findings of that account only (`securityhub:TargetAccount`, the finding's AwsAccountId; AWS's
 * BatchImportFindings guidelines). A product's imports reach only that product's findings. No
 * BatchUpdateFindings: no condition key names the product of the findings it changes, so it would
 * reach every finding of the hub (GuardDuty's, Inspector's, and in Security Hub's administrator
 * account every member's); a finding's workflow is set when it is created (securityHubId).
 */
export function ownFindingsStatements(target: SecurityHubTarget): PolicyStatement[] {
  return [
    {
      Sid: "ImportOwnAccountFindings",
      Effect: "Allow",
      Action: "securityhub:BatchImportFindings",
      Resource: `arn:${target.partition}:securityhub:${target.region}:${target.accountId}:product/${target.accountId}/default`,
      Condition: { StringEquals: { "securityhub:TargetAccount": target.accountId } },
    },
  ];
}

export interface SummarizePolicyArgs {
  readonly storage: StorageTarget;
  readonly mapFiles: MapFilesTarget;
  readonly topicArn: string;
  /** The account's default event bus, where the run's event goes. */
  readonly eventBusArn: string;
  readonly logGroupArn: string;
  /** With Security Hub on: the pipeline's own account, and the member role it assumes to import elsewhere. */
  readonly securityHub?: SecurityHubTarget & { readonly organizationId: string; readonly memberRoleName: string };
}

/**
 * Summarize: check every stored report, write the manifest, publish the run summary and put the run's event.
 * ListBucket under the prefix finds earlier runs and settles whether a key that answered 403 is
 * missing: S3 answers 404 only to callers allowed to list the whole bucket (see read-if-present.ts).
 */
export function summarizePolicy(args: SummarizePolicyArgs): PolicyDocument {
  return policyDocument(
    ...storageStatements(args.storage, "summarize"),
    // A combined file too large for one PUT is a multipart upload: dropped when it cannot complete.
    { Sid: "AbortOwnFileUploads", Effect: "Allow", Action: "s3:AbortMultipartUpload", Resource: runFilesOf(args.storage.bucketArn, args.storage.prefix, "summarize") },
    // Where its large parts wait to be copied into the files by S3 (streamed-files.ts).
    {
      Sid: "StageCombinedParts",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"],
      Resource: objectsUnder(args.mapFiles.bucketArn, args.mapFiles.partsPrefix),
    },
    // The Distributed Map's results (a 403 on a missing one is settled by listing, as for reports).
    { Sid: "ReadMapResults", Effect: "Allow", Action: "s3:GetObject", Resource: objectsUnder(args.mapFiles.bucketArn, args.mapFiles.prefix) },
    {
      Sid: "ListMapResults",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: args.mapFiles.bucketArn,
      Condition: { StringLike: { "s3:prefix": `${args.mapFiles.prefix}*` } },
    },
    { Sid: "PublishRunSummary", Effect: "Allow", Action: "sns:Publish", Resource: args.topicArn },
    { Sid: "PutRunEvent", Effect: "Allow", Action: "events:PutEvents", Resource: args.eventBusArn },
    ...(args.securityHub
      ? [
          {
            Sid: "AssumeMemberRoleForSecurityHub",
            Effect: "Allow" as const,
            Action: "sts:AssumeRole",
            Resource: memberRoleInAnyAccount(args.securityHub.partition, args.securityHub.memberRoleName),
            Condition: { StringEquals: { "aws:PrincipalOrgID": args.securityHub.organizationId, "aws:ResourceOrgID": args.securityHub.organizationId } },
          },
          ...ownFindingsStatements(args.securityHub),
        ]
      : []),
    writeOwnLogs(args.logGroupArn),
  );
}

export interface StateMachinePolicyArgs {
  readonly functionArns: readonly string[];
  readonly topicArn: string;
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly mapFiles: MapFilesTarget;
}

/**
 * The state machine: invoke the three functions; run the Distributed Map (the account list it
 * reads, the results it writes); publish failures; deliver logs and traces. Its child executions
 * are in stateMachineBatchPolicy: that names the state machine's ARN, so it is made after it.
 */
export function stateMachinePolicy(args: StateMachinePolicyArgs): PolicyDocument {
  return policyDocument(
    {
      Sid: "InvokePipelineFunctions",
      Effect: "Allow",
      Action: "lambda:InvokeFunction",
      // The versions and aliases too (":*"), in case a target is ever pinned to one.
      Resource: args.functionArns.flatMap((arn) => [arn, `${arn}:*`]),
    },
    {
      Sid: "ReadAccountList",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: `${objectsUnder(args.mapFiles.bucketArn, args.mapFiles.prefix)}/accounts-to-collect.json`,
    },
    {
      Sid: "WriteMapResults",
      Effect: "Allow",
      // What ResultWriter needs to write its files, in parts when they are large.
      Action: ["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"],
      Resource: objectsUnder(args.mapFiles.bucketArn, args.mapFiles.prefix),
    },
    { Sid: "PublishFailures", Effect: "Allow", Action: "sns:Publish", Resource: args.topicArn },
    {
      Sid: "DeliverExecutionLogs",
      Effect: "Allow",
      Action: [
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
      ],
      // CloudWatch Logs' vended-delivery actions support no resource-level permissions.
      Resource: "*",
    },
    {
      Sid: "SendTraces",
      Effect: "Allow",
      Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
      // X-Ray's write actions support no resource-level permissions.
      Resource: "*",
    },
  );
}

/**
 * The Distributed Map's child executions: a Distributed Map starts its children as executions of
 * the state machine itself, and watches and stops them. Step Functions checks only the logging
 * permissions when it creates a state machine, so this policy can follow it and name its ARN.
 */
export function stateMachineBatchPolicy(stateMachineArn: string): PolicyDocument {
  // arn:<partition>:states:<region>:<account>:stateMachine:<name>; a child execution is
  // arn:...:execution:<name>/<map label>:<id>.
  const executions = `${stateMachineArn.replace(/:stateMachine:/, ":execution:")}/*`;
  return policyDocument(
    { Sid: "StartBatchExecutions", Effect: "Allow", Action: "states:StartExecution", Resource: stateMachineArn },
    { Sid: "WatchBatchExecutions", Effect: "Allow", Action: ["states:DescribeExecution", "states:StopExecution"], Resource: executions },
  );
}

/** The schedule: start executions of this one state machine, and keep the starts that failed. */
export function schedulePolicy(stateMachineArn: string, deadLetterQueueArn: string): PolicyDocument {
  return policyDocument(
    { Sid: "StartRun", Effect: "Allow", Action: "states:StartExecution", Resource: stateMachineArn },
    // Scheduler sends a start it gave up on to the dead-letter queue as this role.
    { Sid: "KeepFailedStarts", Effect: "Allow", Action: "sqs:SendMessage", Resource: deadLetterQueueArn },
  );
}
