// A security account's own Pulumi program, with the pipeline added as one resource.
// In your program: `npm install github:<owner>/org-credential-reports#v0.5.0` (the package credreport).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { OrgCredentialReports } from "credreport";

// What the program had already: the security team's alert topic.
const teamAlerts = new aws.sns.Topic("security-team-alerts");

const reports = new OrgCredentialReports("org-credential-reports", {
  // This program runs in the security account, a StackSets delegated administrator
  // (docs/configuration.md "Delegated administrator"), not in the management account:
  stackSetCallAs: "DELEGATED_ADMIN",
  // Organizations lists the root only to the management account: `aws organizations list-roots` there prints it.
  organizationRootId: "r-ab12",
  // A role in the management account the deploying credentials may assume: the member role is made there through it.
  managementAccountRole: "arn:aws:iam::111111111111:role/credreport-deployer",
  notificationEmails: ["security@example.com"],
  kmsKey: "new",
  scheduleHour: 6,
  tags: { team: "security" },
});

// A run that fails as a whole is heard on the component's topic; here it also reaches the team's own topic.
const runFailed = new aws.cloudwatch.EventRule("credential-report-run-failed", {
  description: "A credential report run failed, timed out or was stopped",
  eventPattern: pulumi.jsonStringify({
    source: ["aws.states"],
    "detail-type": ["Step Functions Execution Status Change"],
    detail: { status: ["FAILED", "TIMED_OUT", "ABORTED"], stateMachineArn: [reports.stateMachineArn] },
  }),
});
new aws.cloudwatch.EventTarget("credential-report-run-failed-to-team", { rule: runFailed.name, arn: teamAlerts.arn });
new aws.sns.TopicPolicy("security-team-alerts-from-eventbridge", {
  arn: teamAlerts.arn,
  policy: pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        // SNS topic policies for EventBridge take no Condition (EventBridge User Guide, "Using
        // resource-based policies for Amazon EventBridge").
        Sid: "EventBridgeRunFailures",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sns:Publish",
        Resource: teamAlerts.arn,
      },
    ],
  }),
});

export const reportBucket = reports.bucketName;
export const startRunCommand = reports.startRunCommand;
