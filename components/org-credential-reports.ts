import { remediationMode } from "../functions/analysis/fixes/key-remediation";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { everyAccountWarnings } from "../functions/analysis/accepted-risks";
import { REPORTS_PREFIX } from "../functions/run/report-keys";
import { managementAccountRole, organizationScope, parseConfig, storageAccountRole } from "./config/config";
import { CredentialReportStateMachine } from "./credential-report-state-machine";
import { CrossAccountRoleStackSet } from "./cross-account-role-stack-set";
import { watchEvidence } from "./evidence-watch";
import { Notifier } from "./notifier";
import { PipelineRoles } from "./pipeline-roles";
import { ReportBucket } from "./report-bucket";
import { ReportQueries } from "./queries/report-queries";
import { readReportsPolicy } from "../policies/reader-policies";

/**
 * The settings of one deployment. Each has the name of this project's stack config key, and the
 * same default and checks; every one is optional.
 */
export interface OrgCredentialReportsArgs {
  /** Report bucket name. New bucket: its exact name, generated (credential-reports-...) when unset. Existing bucket: required. */
  readonly bucketName?: string;
  /** Use an existing bucket (bucketName); nothing of it is changed, the pipeline's roles get their grants on their side. Default: false. */
  readonly existingBucket?: boolean;
  /** Bucket encryption: "none" (SSE-S3), "new" (a new KMS key with rotation; new bucket only) or an existing KMS key ARN. Default: "none". */
  readonly kmsKey?: string;
  /** Keep the bucket, its settings and a new key on `pulumi destroy`, so evidence is not deleted by accident. Default: true. */
  readonly retainBucketOnDestroy?: boolean;
  /** IAM role or user ARNs who, besides the deploying role, may change the report bucket's protections (lifecycle, encryption, versioning, Object Lock, its policy) and delete, disable or re-policy a new key; everyone else is denied by the bucket and key policies. Default: none. */
  readonly evidenceAdministrators?: string[];
  /** Expire stored reports after this many days; 0 keeps them forever. Default: 0. */
  readonly reportRetentionDays?: number;
  /** S3 Object Lock for a new bucket: "none", "governance" (a permission may lift a lock) or "compliance" (nobody may, the root user included). Default: "none". */
  readonly objectLockMode?: string;
  /** With objectLockMode: the days each stored file stays locked after it is written, 1-36500. Default: 0 (no lock). */
  readonly objectLockDays?: number;
  /** Email addresses subscribed to failure notices and run summaries (each confirms by a link from AWS). Default: none. */
  readonly notificationEmails?: string[];
  /** Name of the role the StackSet creates in every member account. Default: "iam-credential-report-generation-role". */
  readonly memberRoleName?: string;
  /** Organization id (o-...); looked up from AWS Organizations when unset. */
  readonly organizationId?: string;
  /** Organization root id (r-...); looked up from AWS Organizations when unset. */
  readonly organizationRootId?: string;
  /** OUs (ou-... or the root r-...) that get the member role and are collected, child OUs included. Default: the whole organization. */
  readonly organizationalUnitIds?: string[];
  /** Accounts never collected; recorded in each manifest as skipped (EXCLUDED). Default: none. */
  readonly excludeAccountIds?: string[];
  /** Retention of the Lambda and state machine log groups; one of CloudWatch Logs' allowed values. Default: 90. */
  readonly logRetentionDays?: number;
  /** Hour (0-23, in scheduleTimezone) of the daily run; ignored when scheduleExpression is set. Default: 8. */
  readonly scheduleHour?: number;
  /** EventBridge Scheduler expression (cron(...) or rate(...)) replacing the daily run at scheduleHour. */
  readonly scheduleExpression?: string;
  /** IANA time zone of the schedule. Default: "UTC". */
  readonly scheduleTimezone?: string;
  /** Tags for every resource that takes tags. Default: none. */
  readonly tags?: { [key: string]: string };
  /** Batches collected at the same time, each a child execution of the Distributed Map working on up to 10 accounts at once (1-1000). Default: 10. */
  readonly maxConcurrency?: number;
  /** Accounts per batch; one CollectReport call per round handles them all (1-100). Default: 25. */
  readonly accountsPerBatch?: number;
  /** Rounds of its batch an account may take before its report counts as timed out (1-100). Default: 15. */
  readonly maxPollAttempts?: number;
  /** First wait between two calls for the same account; it doubles each time, up to 300 s (1-300). Default: 10. */
  readonly pollIntervalSeconds?: number;
  /** A run still going after this many minutes stops (the execution's timeout); its stored reports stay (10-1440). Default: 360. */
  readonly runTimeoutMinutes?: number;
  /** Finding when an active access key was last rotated more days ago than this (CIS 1.14; 1-3650). Default: 90. */
  readonly maxKeyAgeDays?: number;
  /** Finding when an active password or key is unused for this many days or more (CIS 1.12; 1-3650). Default: 45. */
  readonly unusedDays?: number;
  /** Finding when the root user, or a break-glass user, was used within this many days (CIS 1.7; 1-3650). Default: 30. */
  readonly rootUseWindowDays?: number;
  /** Finding when IAM's credential report was generated more hours than this before the run (1-720). Default: 24. */
  readonly maxReportAgeHours?: number;
  /** Finding when the account's password policy allows passwords shorter than this, or there is none (CIS 1.8; 6-128). Default: 14. */
  readonly minPasswordLength?: number;
  /** Finding when the account's password policy prevents the reuse of fewer passwords than this, or there is none (CIS 1.9; 1-24). Default: 24. */
  readonly passwordReusePrevention?: number;
  /** Also report every IAM user without MFA who has no console password (Security Hub IAM.19; console users are always checked). Default: false. */
  readonly mfaForEveryUser?: boolean;
  /** YAML or JSON file of accepted risks and break-glass users (docs/findings.md, "Accepted risks and break-glass users"), relative to the program's folder; checked at preview and deployed with the collector and Summarize. Default: none. */
  readonly acceptedRisksFile?: string;
  /** The accepted risks themselves, as the YAML or JSON text acceptedRisksFile would hold: for programs the component is served to (in YAML, `fn::readFile`). Default: none. */
  readonly acceptedRisks?: string;
  /** Import the findings into each account's own Security Hub in the stack's region, with the member role's session the collector holds (AWS takes an account's findings only from that account; Security Hub must be enabled there), archiving resolved ones. Default: false. */
  readonly securityHub?: boolean;
  /** What the pipeline may do about IAM users' access keys unused for remediationUnusedDays: "off", "dry-run" (list what it would deactivate) or "on" (deactivate them, never delete; docs/operations.md, "Remediation"). Default: "off". */
  readonly remediation?: string;
  /** Days an access key has been unused before remediation deactivates it (45-3650, at least unusedDays). Default: 90. */
  readonly remediationUnusedDays?: number;
  /** Days a key's finding has been open, its owners told in each message, before remediation deactivates it (0-365; 0 acts on the first run that finds it, for a trial). Default: 7. */
  readonly remediationNoticeDays?: number;
  /** Where each account's owners come from, asked in this order until one names someone: "file" (ownersFile), "tag" (ownerTagKey on the account in AWS Organizations), "contact" (the account's SECURITY alternate contact). Default: none (no owner messages). */
  readonly ownerSources?: string[];
  /** The AWS Organizations tag on each account whose value lists its owners' addresses (ownerSources "tag"). Default: none. */
  readonly ownerTagKey?: string;
  /** YAML or JSON file of owners (docs/operations.md, "Owners"): account ids and OU paths to addresses, relative to the program's folder; checked at preview and deployed with ListAccounts. Default: none. */
  readonly ownersFile?: string;
  /** The owners themselves, as the YAML or JSON text ownersFile would hold: for programs the component is served to. Default: none. */
  readonly owners?: string;
  /** Role ARN in a separate logging/security account; the bucket and key are created there, with the grants the pipeline needs. */
  readonly storageAccount?: string;
  /** Role ARN in the management account, with stackSetCallAs DELEGATED_ADMIN: the member role is created there through it (StackSets never deploy to the management account). */
  readonly managementAccountRole?: string;
  /** Glue database holding the Athena tables over the raw reports and the findings. Default: "credential_reports". */
  readonly glueDatabaseName?: string;
  /** Athena workgroup the named queries are saved in. Default: "primary". */
  readonly athenaWorkgroup?: string;
  /** "SELF" from the management account, "DELEGATED_ADMIN" from a StackSets delegated administrator account. Default: "SELF". */
  readonly stackSetCallAs?: string;
  /** Percentage of accounts whose member-role stack may fail before a StackSet operation stops (0-100). Default: 10. */
  readonly stackSetFailureTolerancePercentage?: number;
  /** Percentage of accounts a StackSet operation works on at once (1-100). Default: 25. */
  readonly stackSetMaxConcurrentPercentage?: number;
}

/** The name this project's own program gives the component; see childNames. */
export const PROGRAM_COMPONENT_NAME = "credreport";

/**
 * The whole pipeline in one resource: the report bucket (or an existing one), the SNS topic, the
 * member role in every account through a StackSet, the Lambdas and the state machine with its
 * schedule, and the Athena tables. Embed it in any Pulumi program; `pulumi package add` serves it
 * to every Pulumi language.
 */
export class OrgCredentialReports extends pulumi.ComponentResource {
  /** The bucket the reports, manifests and findings are stored in. */
  readonly bucketName: pulumi.Output<string>;
  /** The key prefix of every run's folder in the bucket. */
  readonly reportsPrefix: pulumi.Output<string>;
  /** The state machine that runs the collection. */
  readonly stateMachineArn: pulumi.Output<string>;
  /** The bucket of the Distributed Map's account lists and results (short-lived working files). */
  readonly mapBucketName: pulumi.Output<string>;
  /** The SNS topic of run summaries and failure notices. */
  readonly topicArn: pulumi.Output<string>;
  /** The role that collects the reports; the only principal the member roles trust. Writes to the bucket. */
  readonly collectorRoleArn: pulumi.Output<string>;
  /** The role of the ListAccounts step, which writes each run's account list to the bucket. */
  readonly listAccountsRoleArn: pulumi.Output<string>;
  /** The role of the Summarize step, which lists the run's files and writes the manifest and findings. */
  readonly summarizeRoleArn: pulumi.Output<string>;
  /** With existingBucket: the statements (JSON) its owner adds to the bucket policy, granting the three writer roles; empty for a new bucket. */
  readonly bucketPolicyToAdd: pulumi.Output<string>;
  /** The role assumed in every member account. */
  readonly memberRoleName: pulumi.Output<string>;
  /** The StackSet that creates the member role in every account. */
  readonly stackSetName: pulumi.Output<string>;
  /** The state machine in the AWS console. */
  readonly stateMachineConsoleUrl: pulumi.Output<string>;
  /** The Glue database of the Athena tables. */
  readonly athenaDatabase: pulumi.Output<string>;
  /** An AWS CLI command that starts a run now. */
  readonly startRunCommand: pulumi.Output<string>;
  /** The log group of the ListAccounts Lambda. */
  readonly listAccountsLogGroup: pulumi.Output<string>;
  /** The log group of the CollectReport Lambda (one line per account's outcome). */
  readonly collectReportLogGroup: pulumi.Output<string>;
  /** The log group of the Summarize Lambda. */
  readonly summarizeLogGroup: pulumi.Output<string>;
  /** The log group of the state machine's errors (no execution data). */
  readonly executionsLogGroup: pulumi.Output<string>;
  /** The SQS queue where EventBridge Scheduler keeps the starts it could not make. */
  readonly scheduleDeadLetterQueueUrl: pulumi.Output<string>;
  /** An IAM policy (JSON) that lets a reader list and read the runs and nothing else: attach it to a security lead's role. */
  readonly readReportsPolicy: pulumi.Output<string>;

  constructor(name: string, args: OrgCredentialReportsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("credreport:index:OrgCredentialReports", name, {}, opts);
    const config = parseConfig(configText(args), {
      region: new pulumi.Config("aws").get("region"),
      fix: `Fix the arguments of OrgCredentialReports "${name}".`,
    });
    // Not refused: a rule over every account may be meant; preview says what it lets a member account do.
    for (const warning of everyAccountWarnings(config.acceptedRisks)) pulumi.log.warn(warning, this);
    const names = childNames(name);
    // Before this component existed, its parts were the stack's own children: they keep their URNs.
    const moved = (options: pulumi.ComponentResourceOptions = {}): pulumi.ComponentResourceOptions => ({
      ...options,
      parent: this,
      aliases: [{ parent: pulumi.rootStackResource }],
    });
    const tags = config.tags;
    const organization = organizationScope(config, { parent: this });
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const pipelineAccount = aws.getCallerIdentityOutput({}, { parent: this }).accountId;

    const roles = new PipelineRoles(names.roles, { tags }, moved());

    const assuming = (providerName: string, roleArn: pulumi.Input<string>, options: pulumi.CustomResourceOptions) =>
      new aws.Provider(providerName, { region: aws.config.region, assumeRoles: [{ roleArn, sessionName: "credreport-pulumi" }] }, options);
    // A separate logging/security account: the bucket and key are made there, through its role.
    const storageProvider = config.storageAccountRoleArn
      ? assuming(names.storageProvider, storageAccountRole(config.storageAccountRoleArn, pipelineAccount), moved())
      : undefined;
    // The management account, when deploying from a delegated administrator: its member role is made there.
    const managementProvider = config.managementAccountRoleArn
      ? assuming(names.managementProvider, managementAccountRole(config.managementAccountRoleArn, pipelineAccount), { parent: this })
      : undefined;

    const storage = new ReportBucket(
      names.bucket,
      {
        bucketName: config.bucketName,
        existingBucket: config.existingBucket,
        kmsKey: config.kmsKey,
        reportsPrefix: REPORTS_PREFIX,
        reportRetentionDays: config.reportRetentionDays,
        objectLock: config.objectLock,
        retainOnDestroy: config.retainBucketOnDestroy,
        evidenceAdministrators: config.evidenceAdministrators,
        collectorRoleArn: roles.collector.arn,
        summarizeRoleArn: roles.summarize.arn,
        listAccountsRoleArn: roles.listAccounts.arn,
        tags,
      },
      moved(storageProvider ? { providers: { aws: storageProvider } } : {}),
    );

    const notifier = new Notifier(
      names.notifier,
      { notificationEmails: config.notificationEmails, publisherRoleArns: [roles.stateMachine.arn, roles.summarize.arn], tags },
      moved(),
    );

    // Where the bucket is in this account: a bucket in a storage account is watched there (docs/operations.md).
    if (!config.existingBucket && !config.storageAccountRoleArn) {
      watchEvidence(this, {
        owner: names.pipeline,
        bucketName: storage.bucketName,
        ...(config.kmsKey.kind === "none" ? {} : { kmsKeyArn: storage.kmsKeyArn as pulumi.Output<string> }),
        topicArn: notifier.topicArn,
        tags,
      });
    }

    const memberRoles = new CrossAccountRoleStackSet(
      names.memberRoles,
      {
        memberRoleName: config.memberRoleName,
        collectorRoleArn: roles.collector.arn,
        ...(config.securityHub ? { securityHubImporterRoleArn: roles.summarize.arn } : {}),
        targetOuIds: organization.targetOuIds,
        region,
        callAs: config.stackSet.callAs,
        failureTolerancePercentage: config.stackSet.failureTolerancePercentage,
        maxConcurrentPercentage: config.stackSet.maxConcurrentPercentage,
        remediation: remediationMode(config.remediation),
        managementAccountProvider: managementProvider,
        tags,
      },
      moved(),
    );

    const pipeline = new CredentialReportStateMachine(
      names.pipeline,
      {
        roles,
        bucketName: storage.bucketName,
        bucketArn: storage.bucketArn,
        kmsKeyArn: storage.kmsKeyArn,
        bucketRegion: storage.region,
        reportsPrefix: REPORTS_PREFIX,
        topicArn: notifier.topicArn,
        memberRoleName: config.memberRoleName,
        organizationId: organization.organizationId,
        includeOuIds: config.organizationalUnitIds,
        excludeAccountIds: config.excludeAccountIds,
        settings: config.settings,
        findingThresholds: config.findingThresholds,
        remediation: config.remediation,
        owners: config.owners,
        acceptedRisks: config.acceptedRisks,
        securityHub: config.securityHub,
        logRetentionDays: config.logRetentionDays,
        scheduleExpression: config.scheduleExpression,
        scheduleTimezone: config.scheduleTimezone,
        tags,
      },
      moved(),
    );

    const queries = new ReportQueries(
      names.queries,
      { bucketName: storage.bucketName, databaseName: config.glueDatabaseName, workgroup: config.athenaWorkgroup, findingThresholds: config.findingThresholds, tags },
      moved(),
    );

    this.bucketName = storage.bucketName;
    this.reportsPrefix = pulumi.output(REPORTS_PREFIX);
    this.stateMachineArn = pipeline.stateMachineArn;
    this.mapBucketName = pipeline.mapBucketName;
    this.topicArn = notifier.topicArn;
    this.collectorRoleArn = roles.collector.arn;
    this.listAccountsRoleArn = roles.listAccounts.arn;
    this.summarizeRoleArn = roles.summarize.arn;
    this.bucketPolicyToAdd = storage.policyToAdd;
    this.memberRoleName = pulumi.output(config.memberRoleName);
    this.stackSetName = memberRoles.stackSetName;
    this.stateMachineConsoleUrl = pulumi.interpolate`https://${region}.console.aws.amazon.com/states/home?region=${region}#/statemachines/view/${pipeline.stateMachineArn}`;
    this.athenaDatabase = queries.databaseName;
    this.startRunCommand = pulumi.interpolate`aws stepfunctions start-execution --region ${region} --state-machine-arn ${pipeline.stateMachineArn}`;
    this.listAccountsLogGroup = pipeline.logGroups.listAccounts;
    this.collectReportLogGroup = pipeline.logGroups.collectReport;
    this.summarizeLogGroup = pipeline.logGroups.summarize;
    this.executionsLogGroup = pipeline.logGroups.executions;
    this.scheduleDeadLetterQueueUrl = pipeline.deadLetterQueueUrl;
    this.readReportsPolicy = pulumi
      .all([storage.bucketArn, storage.kmsKeyArn, storage.region])
      .apply(([bucketArn, kmsKeyArn, bucketRegion]) => JSON.stringify(readReportsPolicy({ bucketArn, prefix: REPORTS_PREFIX, kmsKeyArn, region: bucketRegion }), null, 2));
    this.registerOutputs({
      bucketName: this.bucketName,
      reportsPrefix: this.reportsPrefix,
      stateMachineArn: this.stateMachineArn,
      mapBucketName: this.mapBucketName,
      topicArn: this.topicArn,
      collectorRoleArn: this.collectorRoleArn,
      listAccountsRoleArn: this.listAccountsRoleArn,
      summarizeRoleArn: this.summarizeRoleArn,
      bucketPolicyToAdd: this.bucketPolicyToAdd,
      memberRoleName: this.memberRoleName,
      stackSetName: this.stackSetName,
      stateMachineConsoleUrl: this.stateMachineConsoleUrl,
      athenaDatabase: this.athenaDatabase,
      startRunCommand: this.startRunCommand,
      listAccountsLogGroup: this.listAccountsLogGroup,
      collectReportLogGroup: this.collectReportLogGroup,
      summarizeLogGroup: this.summarizeLogGroup,
      executionsLogGroup: this.executionsLogGroup,
      scheduleDeadLetterQueueUrl: this.scheduleDeadLetterQueueUrl,
      readReportsPolicy: this.readReportsPolicy,
    });
  }
}

/**
 * The names of the component's parts. This project's own program names the component
 * "credreport", and its stacks made before the component existed have parts named as below: they
 * keep those names (and so their URNs, with the aliases). Any other name prefixes every part, so
 * that two instances in one program never share a URN.
 */
function childNames(name: string) {
  const part = (historic: string) => (name === PROGRAM_COMPONENT_NAME ? historic : `${name}-${historic}`);
  return {
    roles: name,
    pipeline: name,
    bucket: part("reports"),
    notifier: part("notifications"),
    memberRoles: part("member-role"),
    queries: part("queries"),
    storageProvider: part("storage-account"),
    managementProvider: `${name}-management-account`,
  };
}

/**
 * The arguments as stack config text, so that one parser (parseConfig) checks both the stack
 * config and the component's arguments, with the same messages.
 */
function configText(args: OrgCredentialReportsArgs): Record<string, string> {
  const text: Record<string, string> = {};
  for (const [key, value] of Object.entries(args as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    text[key] = typeof value === "object" ? JSON.stringify(value) : String(value);
  }
  return text;
}
