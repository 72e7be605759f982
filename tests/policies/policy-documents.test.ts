import { expect } from "chai";
import { policyDocumentsOf, templateDocuments, wildcardGrants } from "../../policies/guardrails/policy-documents";

const allowAll = { Sid: "Everything", Effect: "Allow", Action: "*", Resource: "*" };
const readOnly = { Sid: "Read", Effect: "Allow", Action: "s3:GetObject", Resource: "*" };
const doc = (...Statement: object[]) => ({ Version: "2012-10-17", Statement });

describe("policy documents in resource inputs (policy pack)", () => {
  it("finds a role's trust and inline policies, given as JSON text or as objects", () => {
    const found = policyDocumentsOf("aws:iam/role:Role", {
      assumeRolePolicy: doc({ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }),
      inlinePolicies: [{ name: "wide", policy: JSON.stringify(doc(readOnly, allowAll)) }],
    });
    expect(found.map((d) => d.where)).to.deep.equal(["assumeRolePolicy", "inlinePolicies wide"]);
    expect(found.flatMap((d) => wildcardGrants(d.statements)).map((g) => g.statement.Sid)).to.deep.equal(["Everything"]);
  });

  it("reads queue, key and topic policies, a single statement as well as a list", () => {
    for (const type of ["aws:sqs/queuePolicy:QueuePolicy", "aws:kms/key:Key", "aws:sns/topicPolicy:TopicPolicy"]) {
      const [found] = policyDocumentsOf(type, { policy: JSON.stringify({ Version: "2012-10-17", Statement: allowAll }) });
      expect(wildcardGrants(found.statements), type).to.have.length(1);
    }
  });

  it("finds every action of a service and NotAction as wide as \"*\", and lets a key policy give kms:* to an account root", () => {
    const statements = [
      { Sid: "WholeS3", Effect: "Allow", Action: ["s3:GetObject", "s3:*"], Resource: "*" },
      { Sid: "AllButIam", Effect: "Allow", NotAction: "iam:*", Resource: "*" },
      { Sid: "Prefix", Effect: "Allow", Action: "s3:Get*", Resource: "*" },
      { Sid: "DenyAll", Effect: "Deny", NotAction: "s3:GetObject", Resource: "*" },
      { Sid: "KeyDefault", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" },
      { Sid: "KeyToARole", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:role/r" }, Action: "kms:*", Resource: "*" },
    ];
    expect(wildcardGrants(statements).map((g) => [g.statement.Sid, g.grants])).to.deep.equal([
      ["WholeS3", 'Action "s3:*"'],
      ["AllButIam", 'NotAction "iam:*" (every action but those)'],
      ["Prefix", 'Action "s3:Get*"'],
      ["KeyDefault", 'Action "kms:*"'],
      ["KeyToARole", 'Action "kms:*"'],
    ]);
    expect(wildcardGrants(statements, true).map((g) => g.statement.Sid)).to.deep.equal(["WholeS3", "AllButIam", "Prefix", "KeyToARole"]);
  });

  it("finds partial wildcards, in the service or the action name, with * or ?, in a string or a list", () => {
    const statements = [
      { Sid: "PolicyActions", Effect: "Allow", Action: "iam:*Policy*", Resource: "*" },
      { Sid: "Puts", Effect: "Allow", Action: ["s3:GetObject", "s3:Put*"], Resource: "*" },
      { Sid: "EveryGet", Effect: "Allow", Action: ["*:Get*"], Resource: "*" },
      { Sid: "OneCharacter", Effect: "Allow", Action: "s3:Get?bject", Resource: "*" },
      { Sid: "Several", Effect: "Allow", Action: ["sqs:SendMessage", "sns:Get*", "sqs:?eceiveMessage"], Resource: "*" },
      { Sid: "Exact", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: "*" },
    ];
    expect(wildcardGrants(statements).map((g) => [g.statement.Sid, g.grants])).to.deep.equal([
      ["PolicyActions", 'Action "iam:*Policy*"'],
      ["Puts", 'Action "s3:Put*"'],
      ["EveryGet", 'Action "*:Get*"'],
      ["OneCharacter", 'Action "s3:Get?bject"'],
      ["Several", 'Action "sns:Get*", "sqs:?eceiveMessage"'],
    ]);
  });

  it("lets Deny statements use wildcards, and a key policy's root only kms:* itself", () => {
    const statements = [
      { Sid: "DenyDeletingRunFiles", Effect: "Deny", Principal: "*", Action: ["s3:DeleteObject*", "s3:BypassGovernanceRetention"], Resource: "*" },
      { Sid: "DenyOtherGets", Effect: "Deny", Principal: "*", Action: "*:Get?*", Resource: "*" },
      { Sid: "DenyAllButReads", Effect: "Deny", Principal: "*", NotAction: "s3:Get*", Resource: "*" },
      { Sid: "KeyDefault", Effect: "Allow", Principal: { AWS: ["arn:aws:iam::123456789012:root"] }, Action: "kms:*", Resource: "*" },
      { Sid: "KeyDefaultAndMore", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: ["kms:*", "s3:Put*"], Resource: "*" },
      { Sid: "RootPartial", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:Get*", Resource: "*" },
    ];
    expect(wildcardGrants(statements, true).map((g) => [g.statement.Sid, g.grants])).to.deep.equal([
      ["KeyDefaultAndMore", 'Action "s3:Put*"'],
      ["RootPartial", 'Action "kms:Get*"'],
    ]);
  });

  it("finds nothing in resources that carry no policy", () => {
    expect(policyDocumentsOf("aws:lambda/function:Function", { runtime: "nodejs24.x", policy: JSON.stringify(doc(allowAll)) })).to.deep.equal([]);
  });

  it("reads managed policies and users' inline policies in a template", () => {
    const template = JSON.stringify({
      Resources: {
        Managed: { Type: "AWS::IAM::ManagedPolicy", Properties: { PolicyDocument: doc(allowAll) } },
        Person: { Type: "AWS::IAM::User", Properties: { Policies: [{ PolicyName: "own", PolicyDocument: doc(readOnly) }] } },
        Queue: { Type: "AWS::SQS::Queue", Properties: {} },
      },
    });
    expect(templateDocuments(template).map((d) => [d.where, d.statements.map((s) => s.Sid)])).to.deep.equal([
      ["Managed", ["Everything"]],
      ["Person own", ["Read"]],
    ]);
  });
});
