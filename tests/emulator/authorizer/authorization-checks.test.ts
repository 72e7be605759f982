import { expect } from "chai";
import { checksOf } from "../../../emulator/authorizer/authorization-checks";
import { describeCall } from "../../../emulator/authorizer/aws-requests";

const SCOPE = { partition: "aws", callerAccount: "123456789012", organizationId: "o-exampleorg1", managementAccountId: "123456789012" };
const signed = (service: string) => ({ authorization: `AWS4-HMAC-SHA256 Credential=AKIATEST/20261207/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0` });

/** The checks of an HTTP request as the SDK sends it. */
function checks(service: string, method: string, url: string, body = "", headers: Record<string, string> = {}) {
  const call = describeCall({ method, url, headers: { ...signed(service), ...headers }, body: Buffer.from(body) });
  return { operation: call.operation, checks: checksOf(call, SCOPE) };
}

describe("the action, resource and context of each request (authorization-checks.ts)", () => {
  it("reads S3's REST requests: conditional writes with s3:if-none-match, listings with s3:prefix, HEAD as its action", () => {
    expect(checks("s3", "PUT", "/reports/credential-reports/date%3D2026-12-07/run%3Dr/account%3D111111111111.csv", "csv", { "if-none-match": "*" })).to.deep.equal({
      operation: "PutObject",
      checks: [{ action: "s3:PutObject", resource: "arn:aws:s3:::reports/credential-reports/date=2026-12-07/run=r/account=111111111111.csv", context: { "s3:if-none-match": "*", "s3:ObjectCreationOperation": "true" } }],
    });
    expect(checks("s3", "PUT", "/reports/k").checks).to.deep.equal([{ action: "s3:PutObject", resource: "arn:aws:s3:::reports/k", context: { "s3:ObjectCreationOperation": "true" } }]);
    // A multipart upload's steps: only its completion creates the object.
    expect(checks("s3", "POST", "/reports/k?uploads").checks![0].context).to.deep.equal({ "s3:ObjectCreationOperation": "false" });
    expect(checks("s3", "PUT", "/reports/k?partNumber=1&uploadId=u").checks![0].context).to.deep.equal({ "s3:ObjectCreationOperation": "false" });
    expect(checks("s3", "POST", "/reports/k?uploadId=u", "<x/>", { "if-none-match": "*" }).checks![0].context).to.deep.equal({ "s3:if-none-match": "*", "s3:ObjectCreationOperation": "true" });
    expect(checks("s3", "GET", "/reports?list-type=2&prefix=credential-reports%2F").checks).to.deep.equal([
      { action: "s3:ListBucket", resource: "arn:aws:s3:::reports", context: { "s3:prefix": "credential-reports/" } },
    ]);
    expect(checks("s3", "HEAD", "/reports")).to.deep.equal({ operation: "HeadBucket", checks: [{ action: "s3:ListBucket", resource: "arn:aws:s3:::reports", context: {} }] });
    expect(checks("s3", "HEAD", "/reports/k").checks).to.deep.equal([{ action: "s3:GetObject", resource: "arn:aws:s3:::reports/k", context: {} }]);
    expect(checks("s3", "DELETE", "/reports/k?versionId=v1").checks).to.deep.equal([{ action: "s3:DeleteObjectVersion", resource: "arn:aws:s3:::reports/k", context: {} }]);
    expect(checks("s3", "DELETE", "/reports?policy").checks).to.deep.equal([{ action: "s3:DeleteBucketPolicy", resource: "arn:aws:s3:::reports", context: {} }]);
  });

  it("judges every object of a DeleteObjects, and the governance bypass when it is asked for", () => {
    const body = "<Delete><Object><Key>a&amp;b</Key><VersionId>v1</VersionId></Object><Object><Key>c</Key></Object></Delete>";
    expect(checks("s3", "POST", "/reports?delete", body, { "x-amz-bypass-governance-retention": "true" }).checks).to.deep.equal([
      { action: "s3:DeleteObjectVersion", resource: "arn:aws:s3:::reports/a&b", context: {} },
      { action: "s3:DeleteObject", resource: "arn:aws:s3:::reports/c", context: {} },
      { action: "s3:BypassGovernanceRetention", resource: "arn:aws:s3:::reports/a&b", context: {} },
      { action: "s3:BypassGovernanceRetention", resource: "arn:aws:s3:::reports/c", context: {} },
    ]);
  });

  it("reads the query protocol: AssumeRole on its role, SNS on its topic, IAM's account-level reads on *", () => {
    expect(checks("sts", "POST", "/", "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fm&RoleSessionName=s").checks).to.deep.equal([
      { action: "sts:AssumeRole", resource: "arn:aws:iam::111111111111:role/m", context: {} },
    ]);
    expect(checks("sts", "POST", "/", "Action=GetCallerIdentity").checks).to.deep.equal([]);
    expect(checks("sns", "POST", "/", "Action=Publish&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3At&Message=m").checks).to.deep.equal([
      { action: "sns:Publish", resource: "arn:aws:sns:us-east-1:123456789012:t", context: {} },
    ]);
    expect(checks("iam", "POST", "/", "Action=GetCredentialReport").checks).to.deep.equal([{ action: "iam:GetCredentialReport", resource: "*", context: {} }]);
    expect(checks("iam", "POST", "/", "Action=CreateUser&UserName=bob&Path=%2Fteam%2F").checks).to.deep.equal([
      { action: "iam:CreateUser", resource: "arn:aws:iam::123456789012:user/team/bob", context: {} },
    ]);
  });

  it("reads the JSON protocols: Organizations' parents as root and OU ARNs of the organization", () => {
    const parent = (id: string) => checks("organizations", "POST", "/", JSON.stringify({ ParentId: id }), { "x-amz-target": "AWSOrganizationsV20161128.ListAccountsForParent" }).checks;
    expect(parent("r-ab12")).to.deep.equal([{ action: "organizations:ListAccountsForParent", resource: "arn:aws:organizations::123456789012:root/o-exampleorg1/r-ab12", context: {} }]);
    expect(parent("ou-ab12-cdefgh12")).to.deep.equal([{ action: "organizations:ListAccountsForParent", resource: "arn:aws:organizations::123456789012:ou/o-exampleorg1/ou-ab12-cdefgh12", context: {} }]);
  });

  it("judges each finding of a BatchImportFindings by its product and account, and a BatchUpdateFindings by every field it sets", () => {
    const product = (account: string) => `arn:aws:securityhub:us-east-1:${account}:product/${account}/default`;
    const findings = [{ ProductArn: product("111111111111"), AwsAccountId: "111111111111" }, { ProductArn: product("111111111111"), AwsAccountId: "222222222222" }, { ProductArn: product("111111111111"), AwsAccountId: "111111111111" }];
    expect(checks("securityhub", "POST", "/findings/import", JSON.stringify({ Findings: findings })).checks).to.deep.equal([
      { action: "securityhub:BatchImportFindings", resource: product("111111111111"), context: { "securityhub:TargetAccount": "111111111111" } },
      { action: "securityhub:BatchImportFindings", resource: product("111111111111"), context: { "securityhub:TargetAccount": "222222222222" } },
    ]);
    const update = { FindingIdentifiers: [{ Id: "f", ProductArn: product("123456789012") }], Workflow: { Status: "SUPPRESSED" }, Note: { Text: "n", UpdatedBy: "u" } };
    expect(checks("securityhub", "PATCH", "/findings/batchupdate", JSON.stringify(update)).checks).to.deep.equal([
      {
        action: "securityhub:BatchUpdateFindings",
        resource: "arn:aws:securityhub:us-east-1:123456789012:hub/default",
        context: {
          "securityhub:ASFFSyntaxPath/Workflow": "present",
          "securityhub:ASFFSyntaxPath/Workflow.Status": "SUPPRESSED",
          "securityhub:ASFFSyntaxPath/Note": "present",
          "securityhub:ASFFSyntaxPath/Note.Text": "n",
          "securityhub:ASFFSyntaxPath/Note.UpdatedBy": "u",
        },
      },
    ]);
  });

  it("reads the operations of owners and remediation: a copy's source and target, a user's keys, tags of an account only, a contact of an account", () => {
    expect(checks("s3", "PUT", "/reports/run.csv?partNumber=2&uploadId=u", "", { "x-amz-copy-source": "/reports/parts/shard%3D1/run.csv" }).checks).to.deep.equal([
      { action: "s3:GetObject", resource: "arn:aws:s3:::reports/parts/shard=1/run.csv", context: {} },
      { action: "s3:PutObject", resource: "arn:aws:s3:::reports/run.csv", context: { "s3:ObjectCreationOperation": "false" } },
    ]);
    expect(checks("iam", "POST", "/", "Action=UpdateAccessKey&UserName=bob&AccessKeyId=AKIAX&Status=Inactive").checks).to.deep.equal([
      { action: "iam:UpdateAccessKey", resource: "arn:aws:iam::123456789012:user/bob", context: {} },
    ]);
    expect(checks("iam", "POST", "/", "Action=ListAccessKeys&UserName=bob").checks![0].action).to.equal("iam:ListAccessKeys");
    expect(checks("iam", "POST", "/", "Action=GetAccessKeyLastUsed&AccessKeyId=AKIAX").checks).to.deep.equal([{ action: "iam:GetAccessKeyLastUsed", resource: "arn:aws:iam::123456789012:user/*", context: {} }]);
    const organizations = (target: string, body: unknown) => checks("organizations", "POST", "/", JSON.stringify(body), { "x-amz-target": `AWSOrganizationsV20161128.${target}` }).checks;
    expect(organizations("ListRoots", {})).to.deep.equal([{ action: "organizations:ListRoots", resource: "*", context: {} }]);
    expect(organizations("ListTagsForResource", { ResourceId: "111111111111" })).to.deep.equal([
      { action: "organizations:ListTagsForResource", resource: "arn:aws:organizations::123456789012:account/o-exampleorg1/111111111111", context: {} },
    ]);
    // The pipeline reads the tags of accounts only; an OU's or a policy's are not taught, so refused.
    expect(organizations("ListTagsForResource", { ResourceId: "ou-ab12-cdefgh12" })).to.equal(undefined);
    const contact = (body: unknown) => checks("account", "POST", "/getAlternateContact", JSON.stringify(body)).checks;
    expect(contact({ AlternateContactType: "SECURITY", AccountId: "111111111111" })).to.deep.equal([
      { action: "account:GetAlternateContact", resource: "arn:aws:account::123456789012:account/o-exampleorg1/111111111111", context: { "account:AlternateContactTypes": ["SECURITY"] } },
    ]);
    expect(contact({ AlternateContactType: "BILLING" })).to.deep.equal([
      { action: "account:GetAlternateContact", resource: "arn:aws:account::123456789012:account", context: { "account:AlternateContactTypes": ["BILLING"] } },
    ]);
  });

  it("knows no operation it was not taught, so that it is refused rather than allowed", () => {
    expect(checks("s3", "PUT", "/reports?acl").checks).to.equal(undefined);
    expect(checks("iam", "POST", "/", "Action=AttachRolePolicy&RoleName=r").checks).to.equal(undefined);
    expect(checks("lambda", "POST", "/2015-03-31/functions/f/invocations").checks).to.equal(undefined);
  });
});
