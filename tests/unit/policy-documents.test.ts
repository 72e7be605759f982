import { expect } from "chai";
import { allActionStatements, policyDocumentsOf, templateDocuments } from "../../policies/guardrails/policy-documents";

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
    expect(found.flatMap((d) => allActionStatements(d.statements)).map((s) => s.Sid)).to.deep.equal(["Everything"]);
  });

  it("reads queue, key and topic policies, a single statement as well as a list", () => {
    for (const type of ["aws:sqs/queuePolicy:QueuePolicy", "aws:kms/key:Key", "aws:sns/topicPolicy:TopicPolicy"]) {
      const [found] = policyDocumentsOf(type, { policy: JSON.stringify({ Version: "2012-10-17", Statement: allowAll }) });
      expect(allActionStatements(found.statements), type).to.have.length(1);
    }
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
