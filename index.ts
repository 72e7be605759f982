import { OrgCredentialReports, PROGRAM_COMPONENT_NAME } from "./components/org-credential-reports";
import { readStackConfig } from "./components/config/stack-config";

// The stack config, checked and named by key, is the component's arguments; its outputs are the stack's.
const reports = new OrgCredentialReports(PROGRAM_COMPONENT_NAME, readStackConfig());

export const bucketName = reports.bucketName;
export const reportsPrefix = reports.reportsPrefix;
export const stateMachineArn = reports.stateMachineArn;
export const mapBucketName = reports.mapBucketName;
export const topicArn = reports.topicArn;
export const collectorRoleArn = reports.collectorRoleArn;
export const listAccountsRoleArn = reports.listAccountsRoleArn;
export const summarizeRoleArn = reports.summarizeRoleArn;
export const bucketPolicyToAdd = reports.bucketPolicyToAdd;
export const memberRoleName = reports.memberRoleName;
export const stackSetName = reports.stackSetName;
export const stateMachineConsoleUrl = reports.stateMachineConsoleUrl;
export const athenaDatabase = reports.athenaDatabase;
export const startRunCommand = reports.startRunCommand;
export const listAccountsLogGroup = reports.listAccountsLogGroup;
export const collectReportLogGroup = reports.collectReportLogGroup;
export const summarizeLogGroup = reports.summarizeLogGroup;
export const executionsLogGroup = reports.executionsLogGroup;
export const scheduleDeadLetterQueueUrl = reports.scheduleDeadLetterQueueUrl;
export const readReportsPolicy = reports.readReportsPolicy;
