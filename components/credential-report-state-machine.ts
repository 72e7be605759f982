import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_THRESHOLDS, type FindingThresholds } from "../functions/analysis/findings";
import { thresholdsEnv } from "../functions/analysis/thresholds";
import { bundleFunction, type FunctionName, LAMBDA_RUNTIME } from "../functions/bundle";
import type { PipelineSettings } from "../functions/settings";
import { buildDefinition } from "../functions/state-machine-definition";
import { serviceTrust } from "../policies/document";
import {
  collectorPolicy,
  listAccountsPolicy,
  schedulePolicy,
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
  /** @default 90 */
  readonly logRetentionDays?: number;
  /** EventBridge Scheduler expression, e.g. "cron(0 8 * * ? *)". */
  readonly scheduleExpression: string;
  /** @default "UTC" */
  readonly scheduleTimezone?: string;
  /** @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Per function: its timeout and memory. Summarize checks every stored report, hence the longest. */
const FUNCTION_SIZES: Record<FunctionName, { timeout: number; memorySize: number }> = {
  "list-accounts": { timeout: 300, memorySize: 256 },
  "collect-report": { timeout: 60, memorySize: 256 },
  // The analysis holds every report and finding: 370 MiB peak at 2,000 accounts of 20 users, 1.3 GiB
  // at 100 users each (npm run bench:analysis).
  summarize: { timeout: 600, memorySize: 2048 },
};

/**
 * The pipeline itself: the three Lambdas (each with its own log group and least-privilege
 * policy), the state machine built by the shared definition builder, and the daily schedule.
 */
export class CredentialReportStateMachine extends pulumi.ComponentResource {
  readonly stateMachineArn: pulumi.Output<string>;
  /** The exact definition deployed (JSON). */
  readonly definition: pulumi.Output<string>;

  constructor(name: string, args: CredentialReportStateMachineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("credreport:index:CredentialReportStateMachine", name, {}, opts);
    const tags = args.tags ?? {};
    const logRetentionDays = args.logRetentionDays ?? 90;
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const storage: pulumi.Output<StorageTarget> = pulumi
      .all([args.bucketArn, args.kmsKeyArn, args.bucketRegion])
      .apply(([bucketArn, kmsKeyArn, region]) => ({ bucketArn, kmsKeyArn, region, prefix: args.reportsPrefix }));

    const fn = (
      functionName: FunctionName,
      role: RoleRef,
      policy: (logGroupArn: string) => pulumi.Input<string>,
      variables: Record<string, pulumi.Input<string>>,
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
          code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(bundleFunction(functionName)) }),
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
          .all([partition, args.organizationId, storage])
          .apply(([p, organizationId, target]) => JSON.stringify(listAccountsPolicy({ partition: p, organizationId, storage: target, logGroupArn }))),
      {
        REPORT_BUCKET: args.bucketName,
        INCLUDE_OU_IDS: (args.includeOuIds ?? []).join(","),
        EXCLUDE_ACCOUNT_IDS: (args.excludeAccountIds ?? []).join(","),
      },
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
      { REPORT_BUCKET: args.bucketName, MEMBER_ROLE_NAME: args.memberRoleName },
    );
    const summarize = fn(
      "summarize",
      args.roles.summarize,
      (logGroupArn) =>
        pulumi
          .all([storage, args.topicArn])
          .apply(([target, topicArn]) => JSON.stringify(summarizePolicy({ storage: target, topicArn, logGroupArn }))),
      { REPORT_BUCKET: args.bucketName, TOPIC_ARN: args.topicArn, ...thresholdsEnv(args.findingThresholds ?? DEFAULT_THRESHOLDS) },
    );

    const functionArns = [listAccounts.arn, collectReport.arn, summarize.arn];
    this.definition = pulumi
      .all([...functionArns, args.topicArn])
      .apply(([listAccountsArn, collectReportArn, summarizeArn, topicArn]) =>
        JSON.stringify(buildDefinition({ listAccountsArn, collectReportArn, summarizeArn, topicArn }, args.settings)),
      );

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
          .all([...functionArns, args.topicArn])
          .apply(([l, c, s, topicArn]) => JSON.stringify(stateMachinePolicy([l, c, s], topicArn))),
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
    this.registerOutputs({ stateMachineArn: this.stateMachineArn, definition: this.definition });
  }
}
