import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { expect } from "chai";
import type { PolicyDocument } from "../../policies/document";
import { collectorPolicy, listAccountsPolicy, summarizePolicy } from "../../policies/pipeline-policies";
import { reportBucketPolicy } from "../../policies/resource-policies";

// moto stores bucket policies but never evaluates them: an offline IAM simulator judges them here.
const ACCOUNT = "123456789012";
const BUCKET = "arn:aws:s3:::acme-credential-reports";
const PREFIX = "credential-reports/";
const COLLECTOR = `arn:aws:iam::${ACCOUNT}:role/credreport-collect-report`;
const SUMMARIZE = `arn:aws:iam::${ACCOUNT}:role/credreport-summarize`;
const LIST_ACCOUNTS = `arn:aws:iam::${ACCOUNT}:role/credreport-list-accounts`;
const RUN = `${BUCKET}/${PREFIX}date=2026-11-25/run=r1`;
const storage = { bucketArn: BUCKET, prefix: PREFIX, region: "eu-west-1" };
const mapFiles = { bucketArn: "arn:aws:s3:::credreport-map-files-1", prefix: "map-runs/" };
const bucketPolicy = reportBucketPolicy({ bucketArn: BUCKET, prefix: PREFIX, collectorRoleArn: COLLECTOR, summarizeRoleArn: SUMMARIZE, listAccountsRoleArn: LIST_ACCOUNTS });
const identity: Record<string, PolicyDocument> = {
  [COLLECTOR]: collectorPolicy({ partition: "aws", organizationId: "o-exampleorg1", memberRoleName: "m", storage, logGroupArn: "arn:aws:logs:eu-west-1:123456789012:log-group:c" }),
  [SUMMARIZE]: summarizePolicy({ storage, mapFiles, topicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:t`, eventBusArn: `arn:aws:events:eu-west-1:${ACCOUNT}:event-bus/default`, logGroupArn: "arn:aws:logs:eu-west-1:123456789012:log-group:s" }),
  [LIST_ACCOUNTS]: listAccountsPolicy({ partition: "aws", organizationId: "o-exampleorg1", storage, mapFiles, logGroupArn: "arn:aws:logs:eu-west-1:123456789012:log-group:l" }),
};

/** The decision for one request by one of the pipeline's roles, over TLS. */
async function decide(principal: string, action: string, resource: string, context: Record<string, string> = {}): Promise<string> {
  const simulation: Simulation = {
    identityPolicies: [{ name: "inline", policy: identity[principal] as never }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: bucketPolicy as never,
    request: {
      principal,
      action,
      resource: { resource, accountId: ACCOUNT },
      contextVariables: { "aws:SecureTransport": "true", ...context },
    },
  };
  const response = await runSimulation(simulation, {});
  if (response.resultType === "error") throw new Error(JSON.stringify(response.errors));
  return response.overallResult;
}

const ONLY_IF_ABSENT = { "s3:if-none-match": "*" };

describe("report bucket policy, evaluated by an IAM simulator", function () {
  this.timeout(30_000);

  it("denies an unconditional PutObject on a report, a manifest and an analysis file, to the pipeline's own writers", async () => {
    expect(await decide(COLLECTOR, "s3:PutObject", `${RUN}/account=111122223333.csv`)).to.equal("ExplicitlyDenied");
    expect(await decide(SUMMARIZE, "s3:PutObject", `${RUN}/manifest.json`)).to.equal("ExplicitlyDenied");
    expect(await decide(SUMMARIZE, "s3:PutObject", `${RUN}/findings.json`)).to.equal("ExplicitlyDenied");
    expect(await decide(LIST_ACCOUNTS, "s3:PutObject", `${RUN}/accounts.json`)).to.equal("ExplicitlyDenied");
  });

  it("allows the same writes when they are conditional (If-None-Match: *)", async () => {
    expect(await decide(COLLECTOR, "s3:PutObject", `${RUN}/account=111122223333.csv`, ONLY_IF_ABSENT)).to.equal("Allowed");
    expect(await decide(SUMMARIZE, "s3:PutObject", `${RUN}/manifest.json`, ONLY_IF_ABSENT)).to.equal("Allowed");
    expect(await decide(SUMMARIZE, "s3:PutObject", `${RUN}/findings.json`, ONLY_IF_ABSENT)).to.equal("Allowed");
    expect(await decide(LIST_ACCOUNTS, "s3:PutObject", `${RUN}/accounts.json`, ONLY_IF_ABSENT)).to.equal("Allowed");
  });

  it("still allows the pipeline's reads and listing, and denies plain HTTP", async () => {
    expect(await decide(SUMMARIZE, "s3:GetObject", `${RUN}/account=111122223333.csv`)).to.equal("Allowed");
    expect(await decide(COLLECTOR, "s3:GetObject", `${RUN}/account=111122223333.csv`)).to.equal("Allowed");
    expect(await decide(SUMMARIZE, "s3:ListBucket", BUCKET, { "s3:prefix": `${PREFIX}date=2026-11-25/` })).to.equal("Allowed");
    expect(await decide(SUMMARIZE, "s3:GetObject", `${RUN}/manifest.json`, { "aws:SecureTransport": "false" })).to.equal("ExplicitlyDenied");
  });

  it("leaves keys outside the reports prefix to the identity policies (none of ours writes there)", async () => {
    expect(await decide(COLLECTOR, "s3:PutObject", `${BUCKET}/elsewhere/file.json`)).to.equal("ImplicitlyDenied");
  });
});
