import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig, organizationIds, storageAccountRole } from "./components/config";
import { CredentialReportStateMachine } from "./components/credential-report-state-machine";
import { CrossAccountRoleStackSet } from "./components/cross-account-role-stack-set";
import { Notifier } from "./components/notifier";
import { PipelineRoles } from "./components/pipeline-roles";
import { ReportBucket } from "./components/report-bucket";
import { ReportQueries } from "./components/report-queries";
import { REPORTS_PREFIX } from "./functions/report-keys";

const config = loadConfig();
const tags = config.tags;
const organization = organizationIds(config);
const region = aws.getRegionOutput().region;

const roles = new PipelineRoles("credreport", { tags });

// A separate logging/security account: the bucket and key are made there, through its role.
const storageProvider = config.storageAccountRoleArn
  ? new aws.Provider("storage-account", {
      region: aws.config.region,
      assumeRoles: [{ roleArn: storageAccountRole(config.storageAccountRoleArn, aws.getCallerIdentityOutput().accountId), sessionName: "credreport-pulumi" }],
    })
  : undefined;

const storage = new ReportBucket(
  "reports",
  {
    bucketName: config.bucketName,
    existingBucket: config.existingBucket,
    kmsKey: config.kmsKey,
    reportsPrefix: REPORTS_PREFIX,
    reportRetentionDays: config.reportRetentionDays,
    retainOnDestroy: config.retainBucketOnDestroy,
    collectorRoleArn: roles.collector.arn,
    summarizeRoleArn: roles.summarize.arn,
    listAccountsRoleArn: roles.listAccounts.arn,
    tags,
  },
  storageProvider ? { providers: { aws: storageProvider } } : undefined,
);

const notifier = new Notifier("notifications", {
  notificationEmails: config.notificationEmails,
  publisherRoleArns: [roles.stateMachine.arn, roles.summarize.arn],
  tags,
});

const memberRoles = new CrossAccountRoleStackSet("member-role", {
  memberRoleName: config.memberRoleName,
  collectorRoleArn: roles.collector.arn,
  targetOuIds: config.organizationalUnitIds.length > 0 ? [...config.organizationalUnitIds] : organization.apply((org) => [org.rootId]),
  region,
  callAs: config.stackSet.callAs,
  failureTolerancePercentage: config.stackSet.failureTolerancePercentage,
  maxConcurrentPercentage: config.stackSet.maxConcurrentPercentage,
  tags,
});

const pipeline = new CredentialReportStateMachine("credreport", {
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
  logRetentionDays: config.logRetentionDays,
  scheduleExpression: config.scheduleExpression,
  scheduleTimezone: config.scheduleTimezone,
  tags,
});

const queries = new ReportQueries("queries", {
  bucketName: storage.bucketName,
  databaseName: config.glueDatabaseName,
  workgroup: config.athenaWorkgroup,
  findingThresholds: config.findingThresholds,
  tags,
});

export const bucketName = storage.bucketName;
export const reportsPrefix = REPORTS_PREFIX;
export const stateMachineArn = pipeline.stateMachineArn;
export const mapBucketName = pipeline.mapBucketName;
export const topicArn = notifier.topicArn;
export const collectorRoleArn = roles.collector.arn;
export const memberRoleName = config.memberRoleName;
export const stackSetName = memberRoles.stackSetName;
export const stateMachineConsoleUrl = pulumi.interpolate`https://${region}.console.aws.amazon.com/states/home?region=${region}#/statemachines/view/${pipeline.stateMachineArn}`;
export const athenaDatabase = queries.databaseName;
export const startRunCommand = pulumi.interpolate`aws stepfunctions start-execution --region ${region} --state-machine-arn ${pipeline.stateMachineArn}`;
