import { expect } from "chai";
import { memberRoleTemplate } from "../../policies/member-role-template";
import {
  collectorPolicy,
  keyRemediationStatements,
  listAccountsPolicy,
  type RemediationMode,
  schedulePolicy,
  stateMachineBatchPolicy,
  stateMachinePolicy,
  summarizePolicy,
} from "../../policies/pipeline-policies";
import { collectorSessionPolicy } from "../../policies/session-policies";
import { deadLetterQueuePolicy, noticeKeyPolicy, reportBucketPolicy, reportKeyPolicy, topicPolicy } from "../../policies/resource-policies";

const COLLECTOR = "arn:aws:iam::123456789012:role/collector";
const storage = { bucketArn: "arn:aws:s3:::evidence", prefix: "credential-reports/", region: "eu-west-1" };
const mapFiles = { bucketArn: "arn:aws:s3:::credreport-map-files-1", prefix: "map-runs/", partsPrefix: "summarize-parts/" };

describe("policies", () => {
  it("gives the member role remediation's rights only under its StackSet parameter: reads for a dry run, UpdateAccessKey only when on, never a delete", () => {
    const template = JSON.parse(memberRoleTemplate("member", { collectorRoleArn: COLLECTOR }));
    expect(template.Parameters.Remediation).to.include({ Type: "String", Default: "off" });
    expect(template.Parameters.Remediation.AllowedValues).to.deep.equal(["off", "dry-run", "on"]);
    expect(template.Conditions).to.deep.equal({
      RemediationReads: { "Fn::Not": [{ "Fn::Equals": [{ Ref: "Remediation" }, "off"] }] },
      RemediationDeactivates: { "Fn::Equals": [{ Ref: "Remediation" }, "on"] },
    });
    const users = { "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:user/*" };
    expect(template.Resources.RemediationReadPolicy).to.deep.equal({
      Type: "AWS::IAM::RolePolicy",
      Condition: "RemediationReads",
      Properties: {
        RoleName: { Ref: "CredentialReportRole" },
        PolicyName: "key-remediation-read",
        PolicyDocument: { Version: "2012-10-17", Statement: [{ Sid: "ReadUserAccessKeys", Effect: "Allow", Action: ["iam:ListAccessKeys", "iam:GetAccessKeyLastUsed"], Resource: users }] },
      },
    });
    expect(template.Resources.RemediationDeactivatePolicy.Condition).to.equal("RemediationDeactivates");
    expect(template.Resources.RemediationDeactivatePolicy.Properties.PolicyDocument.Statement).to.deep.equal([
      { Sid: "DeactivateUserAccessKeys", Effect: "Allow", Action: "iam:UpdateAccessKey", Resource: users },
    ]);
    const actions = (mode: RemediationMode) => keyRemediationStatements(mode, { partition: "aws", accountId: "111122223333" }).flatMap((st) => [st.Action].flat());
    expect(actions("off")).to.deep.equal([]);
    expect(actions("dry-run")).to.deep.equal(["iam:ListAccessKeys", "iam:GetAccessKeyLastUsed"]);
    expect(actions("on")).to.deep.equal(["iam:ListAccessKeys", "iam:GetAccessKeyLastUsed", "iam:UpdateAccessKey"]);
    const session = (mode: RemediationMode) => JSON.stringify(collectorSessionPolicy(undefined, { mode, partition: "aws", accountId: "111122223333" }));
    expect(session("dry-run")).to.not.include("UpdateAccessKey");
    expect(session("on")).to.include("iam:UpdateAccessKey");
    expect(JSON.stringify(collectorSessionPolicy())).to.not.include("AccessKey");
  });

  it("makes a template with one named role, trusting the collector, allowed only the report and account settings reads", () => {
    const template = JSON.parse(memberRoleTemplate("member", { collectorRoleArn: COLLECTOR }));
    expect(Object.keys(template.Resources)).to.deep.equal(["CredentialReportRole", "RemediationReadPolicy", "RemediationDeactivatePolicy"]);
    const role = template.Resources.CredentialReportRole;
    expect(role.Type).to.equal("AWS::IAM::Role");
    expect(role.Properties.RoleName).to.equal("member");
    expect(role.Properties.AssumeRolePolicyDocument.Statement).to.deep.equal([
      { Sid: "TrustCollectorRoleOnly", Effect: "Allow", Principal: { AWS: COLLECTOR }, Action: "sts:AssumeRole" },
    ]);
    expect(role.Properties.Policies).to.have.length(1);
    expect(role.Properties.Policies[0].PolicyDocument.Statement).to.deep.equal([
      { Sid: "GenerateAndReadCredentialReport", Effect: "Allow", Action: ["iam:GenerateCredentialReport", "iam:GetCredentialReport"], Resource: "*" },
      { Sid: "ReadAccountCredentialSettings", Effect: "Allow", Action: ["iam:GetAccountSummary", "iam:ListVirtualMFADevices", "iam:GetAccountPasswordPolicy"], Resource: "*" },
    ]);
  });

  it("keeps the member role's organization in both the caller's and the role's condition", () => {
    const policy = collectorPolicy({ partition: "aws-us-gov", organizationId: "o-exampleorg1", memberRoleName: "member", storage, logGroupArn: "lg" });
    expect(policy.Statement[0]).to.deep.equal({
      Sid: "AssumeMemberRole",
      Effect: "Allow",
      Action: "sts:AssumeRole",
      Resource: "arn:aws-us-gov:iam::*:role/member",
      Condition: { StringEquals: { "aws:PrincipalOrgID": "o-exampleorg1", "aws:ResourceOrgID": "o-exampleorg1" } },
    });
  });

  it("lets ListAccounts walk only this organization's root and OUs", () => {
    const policy = listAccountsPolicy({ partition: "aws-us-gov", organizationId: "o-exampleorg1", storage, mapFiles, logGroupArn: "lg" });
    expect(policy.Statement.find((s) => s.Sid === "WalkOrganizationalUnits")).to.deep.equal({
      Sid: "WalkOrganizationalUnits",
      Effect: "Allow",
      Action: ["organizations:ListAccountsForParent", "organizations:ListOrganizationalUnitsForParent"],
      Resource: ["arn:aws-us-gov:organizations::*:root/o-exampleorg1/r-*", "arn:aws-us-gov:organizations::*:ou/o-exampleorg1/ou-*"],
    });
    expect(policy.Statement.find((s) => s.Sid === "ReadRunFiles")?.Resource).to.equal(`${storage.bucketArn}/${storage.prefix}*`);
    expect(policy.Statement.find((s) => s.Sid === "StoreOwnRunFiles")?.Resource).to.deep.equal([`${storage.bucketArn}/${storage.prefix}date=*/run=*/accounts.json`]);
    expect(policy.Statement.find((s) => s.Sid === "StoreMapInput")?.Resource).to.equal("arn:aws:s3:::credreport-map-files-1/map-runs/*");
  });

  it("lets the state machine run its own Distributed Map and nothing more", () => {
    const policy = stateMachinePolicy({
      functionArns: ["f1"],
      topicArn: "t",
      partition: "aws",
      region: "eu-west-1",
      accountId: "123456789012",
      mapFiles,
    });
    const sid = (name: string) => policy.Statement.find((s) => s.Sid === name);
    expect(sid("StartBatchExecutions")).to.equal(undefined);
    // The child executions of the one state machine, by its ARN: not every state machine whose name starts alike.
    expect(stateMachineBatchPolicy("arn:aws:states:eu-west-1:123456789012:stateMachine:credreport-state-machine-a1b2c3").Statement).to.deep.equal([
      { Sid: "StartBatchExecutions", Effect: "Allow", Action: "states:StartExecution", Resource: "arn:aws:states:eu-west-1:123456789012:stateMachine:credreport-state-machine-a1b2c3" },
      {
        Sid: "WatchBatchExecutions",
        Effect: "Allow",
        Action: ["states:DescribeExecution", "states:StopExecution"],
        Resource: "arn:aws:states:eu-west-1:123456789012:execution:credreport-state-machine-a1b2c3/*",
      },
    ]);
    expect(sid("ReadAccountList")).to.deep.include({ Action: "s3:GetObject", Resource: "arn:aws:s3:::credreport-map-files-1/map-runs/*/accounts-to-collect.json" });
    expect(sid("WriteMapResults")).to.deep.include({
      Action: ["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"],
      Resource: "arn:aws:s3:::credreport-map-files-1/map-runs/*",
    });
  });

  it("lets the writers use the report key only through S3 and for the report bucket, in their policies and in the key's", () => {
    // The IAM simulator leaves kms:EncryptionContext:<key> out (a key name with colons), so the statements are read here.
    const condition = {
      StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" },
      StringLike: { "kms:EncryptionContext:aws:s3:arn": [storage.bucketArn, `${storage.bucketArn}/*`] },
    };
    const withKey = { ...storage, kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/k" };
    const identities = [
      collectorPolicy({ partition: "aws", organizationId: "o-exampleorg1", memberRoleName: "m", storage: withKey, logGroupArn: "lg" }),
      listAccountsPolicy({ partition: "aws", organizationId: "o-exampleorg1", storage: withKey, mapFiles, logGroupArn: "lg" }),
      summarizePolicy({ storage: withKey, mapFiles, topicArn: "t", eventBusArn: "e", logGroupArn: "lg" }),
    ];
    for (const policy of identities) {
      expect(policy.Statement.filter((s) => String(s.Action).startsWith("kms:"))).to.deep.equal([
        { Sid: "EncryptWithReportKey", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: withKey.kmsKeyArn, Condition: condition },
      ]);
    }
    const keyPolicy = reportKeyPolicy({ partition: "aws", keyAccountId: "123456789012", region: "eu-west-1", bucketArn: storage.bucketArn, writerRoleArns: [COLLECTOR], evidenceAdministrators: ["d"] });
    expect(keyPolicy.Statement[2]).to.deep.equal({
      Sid: "AllowPipelineToEncryptThroughS3",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: "*",
      Condition: condition,
      Principal: { AWS: [COLLECTOR] },
    });
  });

  it("uses \"*\" as Resource only where the action takes no resource, and gives every statement a Sid", () => {
    const documents = [
      collectorPolicy({ partition: "aws", organizationId: "o-exampleorg1", memberRoleName: "m", storage: { ...storage, kmsKeyArn: "k" }, logGroupArn: "lg" }),
      listAccountsPolicy({ partition: "aws", organizationId: "o-exampleorg1", storage, mapFiles, logGroupArn: "lg" }),
      summarizePolicy({ storage, mapFiles, topicArn: "t", eventBusArn: "arn:aws:events:eu-west-1:123456789012:event-bus/default", logGroupArn: "lg" }),
      stateMachinePolicy({ functionArns: ["f1", "f2", "f3"], topicArn: "t", partition: "aws", region: "eu-west-1", accountId: "123456789012", mapFiles }),
      stateMachineBatchPolicy("arn:aws:states:eu-west-1:123456789012:stateMachine:sm"),
      schedulePolicy("sm", "arn:aws:sqs:eu-west-1:123456789012:dead-letters"),
      reportBucketPolicy({ bucketArn: storage.bucketArn, prefix: storage.prefix, collectorRoleArn: COLLECTOR, summarizeRoleArn: "s", listAccountsRoleArn: "l" }),
      reportKeyPolicy({ partition: "aws", keyAccountId: "123456789012", region: "eu-west-1", bucketArn: storage.bucketArn, writerRoleArns: [COLLECTOR], evidenceAdministrators: ["d"] }),
      topicPolicy({ partition: "aws", accountId: "123456789012", region: "eu-west-1", topicArn: "t", publisherRoleArns: ["a", "b"] }),
      noticeKeyPolicy({ partition: "aws", accountId: "123456789012", region: "eu-west-1", publisherRoleArns: ["a", "b"] }),
      deadLetterQueuePolicy("arn:aws:sqs:eu-west-1:123456789012:dead-letters"),
    ];
    const starResources = documents.flatMap((d) => d.Statement.filter((s) => s.Resource === "*").map((s) => s.Sid));
    // Credential reports, the account summary, MFA device list and password policy, Organizations
    // listing, log delivery and X-Ray take no resource ARN; in a key policy "*" is the key.
    expect(starResources).to.have.members([
      "ReadOwnAccountCredentialReport",
      "ReadAccountCredentialSettings",
      "ReadOrganizationAccounts",
      "DeliverExecutionLogs",
      "SendTraces",
      "AllowKeyAccountToAdminister",
      "DenyKeyDestructionByOthers",
      "AllowPipelineToEncryptThroughS3",
      "AllowKeyAccountToAdminister",
      "AllowPublishersThroughSns",
      "AllowNotifyingServices",
    ]);
    for (const s of documents.flatMap((d) => d.Statement)) expect(s.Sid).to.match(/^[A-Za-z0-9]+$/);
  });
});
