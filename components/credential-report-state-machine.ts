import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AcceptedRisk } from "../functions/analysis/accepted-risks";
import { DEFAULT_THRESHOLDS, type FindingThresholds } from "../functions/analysis/findings";
import { thresholdsEnv } from "../functions/analysis/thresholds";
import { lambdaVariables } from "../functions/env";
import { bundleFunction, FUNCTION_SIZES, type FunctionName, LAMBDA_RUNTIME } from "../functions/bundle";
import type { PipelineSettings } from "../functions/settings";
import { buildDefinition } from "../functions/state-machine-definition";
import { serviceTrust } from "../policies/document";
import { MAP_RUNS_PREFIX } from "../functions/report-keys";
import { MapFilesBucket } from "./map-files-bucket";
import {
  collectorPolicy,
  listAccountsPolicy,
  schedulePolicy,
  type MapFilesTarget,
  stateMachinePolicy,
  type StorageTarget,
  summarizePolicy,
} from "../policies/pipeline-policies";

/** A role made by PipelineRoles. */
export interface RoleRef {
  readonly name: pulumi.Input<string>;
  readonly arn: pulumi.Input<string>;
}

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

/**
 * The pipeline itself: the three Lambdas (each with its own log group and least-privilege
 * policy), the state machine built by the shared definition builder, and the daily schedule.
 */
export class CredentialReportStateMachine extends pulumi.ComponentResource {
  readonly stateMachineArn: pulumi.Output<string>;
  /** The bucket of the Distributed Map's working files (each run's account list and results). */
  readonly mapBucketName: pulumi.Output<string>;
  /** The exact definition deployed (JSON). */
  readonly definition: pulumi.Output<string>;

  constructor(name: string, args: CredentialReportStateMachineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("credreport:index:CredentialReportStateMachine", name, {}, opts);
    const tags = args.tags ?? {};
    const logRetentionDays = args.logRetentionDays ?? 90;
    const acceptedRisks = args.acceptedRisks ?? [];
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const storage: pulumi.Output<StorageTarget> = pulumi
      .all([args.bucketArn, args.kmsKeyArn, args.bucketRegion])
      .apply(([bucketArn, kmsKeyArn, region]) => ({ bucketArn, kmsKeyArn, region, prefix: args.reportsPrefix }));
    const mapFilesBucket = new MapFilesBucket(`${name}-map-files`, { tags }, { parent: this });
    const mapFiles: pulumi.Output<MapFilesTarget> = mapFilesBucket.bucketArn.apply((bucketArn) => ({ bucketArn, prefix: MAP_RUNS_PREFIX }));

    const fn = (
      functionName: FunctionName,
      role: RoleRef,
      policy: (logGroupArn: string) => pulumi.Input<string>,
      variables: Record<string, pulumi.Input<string>>,
      files: Record<string, string> = {},
    ) => {
      const logGroup = new aws.cloudwatch.LogGroup(
        `${name}-${functionName}-logs`,
        { namePrefix: `/aws/lambda/${name}-${functionName}-`, retentionInDays: logRetentionDays, tags },
        { parent: this },
      );
      const rolePolicy = new aws.iam.RolePolicy(
        `${name}-${functionName}-policy`,
        { role: role.name, policy: logGroup.arn.apply((arn) => pulumi.output(policy(arn))) },
        { parent: this },
      );
      return new aws.lambda.Function(
        `${name}-${functionName}`,
        {
          description: `Organization credential reports: ${functionName}`,
          runtime: LAMBDA_RUNTIME,
          architectures: ["arm64"],
          handler: "index.handler",
          // Bundled from source at deploy time: the same sources give the same bytes, hence no diff.
          code: new pulumi.asset.AssetArchive({
            "index.js": new pulumi.asset.StringAsset(bundleFunction(functionName)),
            ...Object.fromEntries(Object.entries(files).map(([file, text]) => [file, new pulumi.asset.StringAsset(text)])),
          }),
          role: role.arn,
          ...FUNCTION_SIZES[functionName],
          environment: { variables },
          loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
          tags,
        },
        // Without its policy the first invocation could not even log.
        { parent: this, dependsOn: [rolePolicy] },
      );
    };

    const listAccounts = fn(
      "list-accounts",
      args.roles.listAccounts,
      (logGroupArn) =>
        pulumi
          .all([partition, args.organizationId, storage, mapFiles])
          .apply(([p, organizationId, target, files]) =>
            JSON.stringify(listAccountsPolicy({ partition: p, organizationId, storage: target, mapFiles: files, logGroupArn })),
          ),
      lambdaVariables("list-accounts", {
        reportBucket: args.bucketName,
        mapBucket: mapFilesBucket.bucketName,
        includeOuIds: (args.includeOuIds ?? []).join(","),
        excludeAccountIds: (args.excludeAccountIds ?? []).join(","),
      }),
    );
    const collectReport = fn(
      "collect-report",
      args.roles.collector,
      (logGroupArn) =>
        pulumi
          .all([partition, args.organizationId, storage])
          .apply(([p, organizationId, target]) =>
            JSON.stringify(collectorPolicy({ partition: p, organizationId, memberRoleName: args.memberRoleName, storage: target, logGroupArn })),
          ),
      lambdaVariables("collect-report", { reportBucket: args.bucketName, memberRoleName: args.memberRoleName }),
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
                ...(args.securityHub ? { securityHub: { partition: p, region: r, accountId: account, organizationId, memberRoleName: args.memberRoleName } } : {}),
              }),
            ),
          ),
      {
        ...lambdaVariables("summarize", {
          reportBucket: args.bucketName,
          topicArn: args.topicArn,
          acceptedRisksFile: acceptedRisks.length > 0 ? ACCEPTED_RISKS_PACKAGE_FILE : undefined,
          securityHubMemberRole: args.securityHub ? args.memberRoleName : undefined,
        }),
        ...thresholdsEnv(args.findingThresholds ?? DEFAULT_THRESHOLDS),
      },
      acceptedRisks.length > 0 ? { [ACCEPTED_RISKS_PACKAGE_FILE]: JSON.stringify({ acceptedRisks }, null, 2) } : {},
    );

    const functionArns = [listAccounts.arn, collectReport.arn, summarize.arn];
    this.definition = pulumi
      .all([...functionArns, args.topicArn, mapFilesBucket.bucketName])
      .apply(([listAccountsArn, collectReportArn, summarizeArn, topicArn, mapBucket]) =>
        JSON.stringify(buildDefinition({ listAccountsArn, collectReportArn, summarizeArn, topicArn, mapBucket }, args.settings)),
      );

    // Pulumi names it <this>-<random suffix>; the role's policy names it by that prefix.
    const stateMachineName = `${name}-state-machine`;
    const executionLogs = new aws.cloudwatch.LogGroup(
      `${name}-executions-logs`,
      // The /aws/vendedlogs/ prefix keeps CloudWatch Logs' resource policy from growing per log group.
      { namePrefix: `/aws/vendedlogs/states/${name}-`, retentionInDays: logRetentionDays, tags },
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
                stateMachineNamePrefix: `${stateMachineName}-`,
                mapFiles: files,
              }),
            ),
          ),
      },
      { parent: this },
    );
    const stateMachine = new aws.sfn.StateMachine(
      stateMachineName,
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

    const scheduleRole = new aws.iam.Role(
      `${name}-schedule-role`,
      {
        description: "Starts the credential report state machine on schedule",
        assumeRolePolicy: accountId.apply((account) => JSON.stringify(serviceTrust("TrustSchedulerOfThisAccount", "scheduler.amazonaws.com", account))),
        tags,
      },
      { parent: this },
    );
    const schedulePermissions = new aws.iam.RolePolicy(
      `${name}-schedule-policy`,
      { role: scheduleRole.name, policy: stateMachine.arn.apply((arn) => JSON.stringify(schedulePolicy(arn))) },
      { parent: this },
    );
    new aws.scheduler.Schedule(
      `${name}-schedule`,
      {
        description: "Daily organization-wide IAM credential report run",
        scheduleExpression: args.scheduleExpression,
        scheduleExpressionTimezone: args.scheduleTimezone ?? "UTC",
        flexibleTimeWindow: { mode: "OFF" },
        // Each start gets a generated execution name, which becomes the run id.
        target: { arn: stateMachine.arn, roleArn: scheduleRole.arn, input: "{}", retryPolicy: { maximumRetryAttempts: 3 } },
      },
      { parent: this, dependsOn: [schedulePermissions] },
    );

    this.stateMachineArn = stateMachine.arn;
    this.mapBucketName = mapFilesBucket.bucketName;
    this.registerOutputs({ stateMachineArn: this.stateMachineArn, mapBucketName: this.mapBucketName, definition: this.definition });
  }
}
