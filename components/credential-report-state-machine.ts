import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AcceptedRisk } from "../functions/analysis/accepted-risks";
import { DEFAULT_THRESHOLDS, type FindingThresholds } from "../functions/analysis/findings";
import { thresholdsEnv } from "../functions/analysis/thresholds";
import { DEFAULT_REMEDIATION, type RemediationSettings, remediationMode } from "../functions/analysis/fixes/key-remediation";
import { NO_OWNERS, type OwnerSettings } from "../functions/run/owners";
import { lambdaVariables } from "../functions/pipeline/lambda-env";
import type { FunctionName } from "../functions/pipeline/bundle";
import type { PipelineSettings } from "../functions/run/settings";
import { buildDefinition } from "../functions/pipeline/state-machine-definition";
import { MAP_RUNS_PREFIX, SUMMARIZE_PARTS_PREFIX } from "../functions/run/report-keys";
import { MapFilesBucket } from "./map-files-bucket";
import { pipelineFunction, type RoleRef } from "./pipeline-function";
import { runSchedule } from "./run-schedule";
import { watchRuns } from "./run-watch";
import {
  collectorPolicy,
  listAccountsPolicy,
  type MapFilesTarget,
  stateMachineBatchPolicy,
  stateMachinePolicy,
  type StorageTarget,
  summarizePolicy,
} from "../policies/pipeline-policies";

export type { RoleRef } from "./pipeline-function";

export interface CredentialReportStateMachineArgs {
  readonly roles: { readonly collector: RoleRef; readonly listAccounts: RoleRef; readonly summarize: RoleRef; readonly stateMachine: RoleRef };
  readonly bucketName: pulumi.Input<string>;
  readonly bucketArn: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string | undefined>;
  readonly bucketRegion: pulumi.Input<string>;
  readonly reportsPrefix: string;
  readonly topicArn: pulumi.Input<string>;
  readonly memberRoleName: string;
  readonly organizationId: pulumi.Input<string>;
  /** OUs collected; empty: the whole organization. @default [] */
  readonly includeOuIds?: readonly string[];
  /** @default [] */
  readonly excludeAccountIds?: readonly string[];
  readonly settings: PipelineSettings;
  /** Handed to Summarize. @default DEFAULT_THRESHOLDS */
  readonly findingThresholds?: FindingThresholds;
  /** Packaged with Summarize (ACCEPTED_RISKS_FILE), so no size limit and no read permission. @default [] */
  readonly acceptedRisks?: readonly AcceptedRisk[];
  /** Summarize imports the findings into each account's Security Hub through the member role. @default false */
  readonly securityHub?: boolean;
  /** What the collector may do about unused access keys. @default off */
  readonly remediation?: RemediationSettings;
  /** Where ListAccounts reads each account's owners; the owners file is packaged with it. @default none */
  readonly owners?: OwnerSettings;
  /** @default 90 */
  readonly logRetentionDays?: number;
  /** EventBridge Scheduler expression, e.g. "cron(0 8 * * ? *)". */
  readonly scheduleExpression: string;
  /** @default "UTC" */
  readonly scheduleTimezone?: string;
  /** @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Where the accepted risks are in Summarize's package. */
export const ACCEPTED_RISKS_PACKAGE_FILE = "accepted-risks.json";
/** Where the owners file is in ListAccounts' package. */
export const OWNERS_PACKAGE_FILE = "owners.json";

const DEFAULTS = {
  logRetentionDays: 90,
  scheduleTimezone: "UTC",
  findingThresholds: DEFAULT_THRESHOLDS,
  acceptedRisks: [] as readonly AcceptedRisk[],
  securityHub: false,
  remediation: DEFAULT_REMEDIATION,
  owners: NO_OWNERS,
};

/**
 * The pipeline itself: the map files bucket, the three Lambdas (each with its own log group and
 * least-privilege policy), the state machine built by the shared definition builder, the
 * schedule that starts it, and what hears of runs that end badly or never come (run-watch.ts).
 */
export class CredentialReportStateMachine extends pulumi.ComponentResource {
  readonly stateMachineArn: pulumi.Output<string>;
  /** The bucket of the Distributed Map's working files (each run's account list and results). */
  readonly mapBucketName: pulumi.Output<string>;
  /** The exact definition deployed (JSON). */
  readonly definition: pulumi.Output<string>;
  /** Where each part logs: the three Lambdas, and the state machine's errors. */
  readonly logGroups: { readonly [part in "listAccounts" | "collectReport" | "summarize" | "executions"]: pulumi.Output<string> };
  /** The queue of scheduled starts that failed (purge it once the cause is fixed). */
  readonly deadLetterQueueUrl: pulumi.Output<string>;

  constructor(name: string, args: CredentialReportStateMachineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("credreport:index:CredentialReportStateMachine", name, {}, opts);
    const settings = { ...DEFAULTS, ...definedOf(args), tags: args.tags ?? {} };
    const { tags } = settings;
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const storage: pulumi.Output<StorageTarget> = pulumi
      .all([args.bucketArn, args.kmsKeyArn, args.bucketRegion])
      .apply(([bucketArn, kmsKeyArn, region]) => ({ bucketArn, kmsKeyArn, region, prefix: args.reportsPrefix }));
    const fn = (functionName: FunctionName, role: RoleRef, policy: (logGroupArn: string) => pulumi.Input<string>, variables: Record<string, pulumi.Input<string>>, files?: Record<string, string>) =>
      pipelineFunction(this, { owner: name, functionName, role, policy, variables, files, logRetentionDays: settings.logRetentionDays, tags });

    const mapFilesBucket = new MapFilesBucket(`${name}-map-files`, { tags }, { parent: this });
    const mapFiles: pulumi.Output<MapFilesTarget> = mapFilesBucket.bucketArn.apply((bucketArn) => ({ bucketArn, prefix: MAP_RUNS_PREFIX, partsPrefix: SUMMARIZE_PARTS_PREFIX }));

    const { owners } = settings;
    const withOwnersFile = owners.rules.length > 0;
    const listAccounts = fn(
      "list-accounts",
      args.roles.listAccounts,
      (logGroupArn) =>
        pulumi
          .all([partition, args.organizationId, storage, mapFiles, accountId])
          .apply(([p, organizationId, target, files, account]) =>
            JSON.stringify(listAccountsPolicy({ partition: p, organizationId, storage: target, mapFiles: files, logGroupArn, ownerSources: owners.sources, accountId: account })),
          ),
      lambdaVariables("list-accounts", {
        reportBucket: args.bucketName,
        mapBucket: mapFilesBucket.bucketName,
        includeOuIds: (args.includeOuIds ?? []).join(","),
        excludeAccountIds: (args.excludeAccountIds ?? []).join(","),
        ownerSources: owners.sources.length > 0 ? owners.sources.join(",") : undefined,
        ownerTagKey: owners.tagKey,
        ownersFile: withOwnersFile ? OWNERS_PACKAGE_FILE : undefined,
      }),
      withOwnersFile ? { [OWNERS_PACKAGE_FILE]: JSON.stringify({ owners: owners.rules }, null, 2) } : undefined,
    );
    const remediation = remediationMode(settings.remediation);

    // Each report is analysed where it is read; Summarize analyses those the collector left.
    const withRisks = settings.acceptedRisks.length > 0;
    // Packaged with each function that analyses: no size limit (environment variables have 4 KB) and no read permission.
    const risksFiles: Record<string, string> = withRisks ? { [ACCEPTED_RISKS_PACKAGE_FILE]: JSON.stringify({ acceptedRisks: settings.acceptedRisks }, null, 2) } : {};
    const collectReport = fn(
      "collect-report",
      args.roles.collector,
      (logGroupArn) =>
        pulumi
          .all([partition, region, accountId, args.organizationId, storage])
          .apply(([p, r, account, organizationId, target]) =>
            JSON.stringify(
              collectorPolicy({
                partition: p,
                organizationId,
                memberRoleName: args.memberRoleName,
                storage: target,
                logGroupArn,
                ...(settings.securityHub ? { securityHub: { partition: p, region: r, accountId: account } } : {}),
                ...(remediation !== "off" ? { remediation: { mode: remediation, accountId: account } } : {}),
              }),
            ),
          ),
      {
        ...lambdaVariables("collect-report", {
          reportBucket: args.bucketName,
          memberRoleName: args.memberRoleName,
          acceptedRisksFile: withRisks ? ACCEPTED_RISKS_PACKAGE_FILE : undefined,
          securityHub: settings.securityHub ? "true" : undefined,
          remediation: remediation !== "off" ? remediation : undefined,
          remediationUnusedDays: remediation !== "off" ? String(settings.remediation.unusedDays) : undefined,
          remediationNoticeDays: remediation !== "off" ? String(settings.remediation.noticeDays) : undefined,
        }),
        ...thresholdsEnv(settings.findingThresholds),
      },
      risksFiles,
    );

    const summarize = fn(
      "summarize",
      args.roles.summarize,
      (logGroupArn) =>
        pulumi
          .all([storage, mapFiles, args.topicArn, partition, region, accountId, args.organizationId])
          .apply(([target, files, topicArn, p, r, account, organizationId]) =>
            JSON.stringify(
              summarizePolicy({
                storage: target,
                mapFiles: files,
                topicArn,
                eventBusArn: `arn:${p}:events:${r}:${account}:event-bus/default`,
                logGroupArn,
                ...(settings.securityHub ? { securityHub: { partition: p, region: r, accountId: account, organizationId, memberRoleName: args.memberRoleName } } : {}),
              }),
            ),
          ),
      {
        ...lambdaVariables("summarize", {
          reportBucket: args.bucketName,
          mapBucket: mapFilesBucket.bucketName,
          topicArn: args.topicArn,
          acceptedRisksFile: withRisks ? ACCEPTED_RISKS_PACKAGE_FILE : undefined,
          securityHubMemberRole: settings.securityHub ? args.memberRoleName : undefined,
        }),
        ...thresholdsEnv(settings.findingThresholds),
      },
      risksFiles,
    );

    const functionArns = [listAccounts.arn, collectReport.arn, summarize.arn];
    this.definition = pulumi
      .all([...functionArns, args.topicArn, mapFilesBucket.bucketName])
      .apply(([listAccountsArn, collectReportArn, summarizeArn, topicArn, mapBucket]) =>
        JSON.stringify(buildDefinition({ listAccountsArn, collectReportArn, summarizeArn, topicArn, mapBucket }, args.settings)),
      );

    const executionLogs = new aws.cloudwatch.LogGroup(
      `${name}-executions-logs`,
      // The /aws/vendedlogs/ prefix keeps CloudWatch Logs' resource policy from growing per log group.
      { namePrefix: `/aws/vendedlogs/states/${name}-`, retentionInDays: settings.logRetentionDays, tags },
      { parent: this },
    );
    const stateMachinePermissions = new aws.iam.RolePolicy(
      `${name}-state-machine-policy`,
      {
        role: args.roles.stateMachine.name,
        policy: pulumi
          .all([pulumi.all(functionArns), args.topicArn, partition, region, accountId, mapFiles])
          .apply(([arns, topicArn, p, r, account, files]) =>
            JSON.stringify(
              stateMachinePolicy({
                functionArns: arns,
                topicArn,
                partition: p,
                region: r,
                accountId: account,
                mapFiles: files,
              }),
            ),
          ),
      },
      { parent: this },
    );
    const stateMachine = new aws.sfn.StateMachine(
      `${name}-state-machine`,
      {
        type: "STANDARD",
        roleArn: args.roles.stateMachine.arn,
        definition: this.definition,
        // Errors only, without execution data: states carry account ids and keys, never more.
        loggingConfiguration: { logDestination: pulumi.interpolate`${executionLogs.arn}:*`, level: "ERROR", includeExecutionData: false },
        tracingConfiguration: { enabled: true },
        tags,
      },
      // Step Functions checks at creation that the role may deliver logs.
      { parent: this, dependsOn: [stateMachinePermissions] },
    );

    const batchPermissions = new aws.iam.RolePolicy(
      `${name}-state-machine-batches-policy`,
      { role: args.roles.stateMachine.name, policy: stateMachine.arn.apply((arn) => JSON.stringify(stateMachineBatchPolicy(arn))) },
      { parent: this },
    );

    const { deadLetterQueue } = runSchedule(this, {
      owner: name,
      stateMachineArn: stateMachine.arn,
      // A run's Distributed Map needs the batch permissions.
      dependsOn: [batchPermissions],
      accountId,
      scheduleExpression: args.scheduleExpression,
      scheduleTimezone: settings.scheduleTimezone,
      tags,
    });
    watchRuns(this, {
      owner: name,
      stateMachineArn: stateMachine.arn,
      topicArn: args.topicArn,
      deadLetterQueueName: deadLetterQueue.name,
      scheduleExpression: args.scheduleExpression,
      scheduleTimezone: settings.scheduleTimezone,
      runTimeoutMinutes: args.settings.runTimeoutMinutes,
      tags,
    });

    this.stateMachineArn = stateMachine.arn;
    this.mapBucketName = mapFilesBucket.bucketName;
    const logGroupOf = (fn: aws.lambda.Function) => fn.loggingConfig.apply((config) => config.logGroup ?? "");
    this.logGroups = { listAccounts: logGroupOf(listAccounts), collectReport: logGroupOf(collectReport), summarize: logGroupOf(summarize), executions: executionLogs.name };
    this.deadLetterQueueUrl = deadLetterQueue.url;
    this.registerOutputs({ stateMachineArn: this.stateMachineArn, mapBucketName: this.mapBucketName, definition: this.definition, deadLetterQueueUrl: this.deadLetterQueueUrl });
  }
}

/** The arguments that are set: an undefined one takes its default. */
function definedOf<T extends object>(args: T): Partial<T> {
  return Object.fromEntries(Object.entries(args).filter(([, value]) => value !== undefined)) as Partial<T>;
}
