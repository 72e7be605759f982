import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { expect } from "chai";
import type { PolicyDocument } from "../../policies/document";
import { collectorPolicy, listAccountsPolicy, summarizePolicy } from "../../policies/pipeline-policies";
import { BUCKET_PROTECTION_ACTIONS, KEY_PROTECTION_ACTIONS, reportBucketPolicy, reportKeyPolicy } from "../../policies/resource-policies";
import { principalArnPatterns, type RunFileWriter } from "../../policies/arns";
import { accountAnalysisKey, accountListKey, ANALYSIS_FILES, analysisKey, historyKey, iamAccountKey, manifestKey, reportKey } from "../../functions/run/report-keys";

// moto stores bucket policies but never evaluates them: an offline IAM simulator judges them here.
const ACCOUNT = "123456789012";
const BUCKET = "arn:aws:s3:::acme-credential-reports";
const PREFIX = "credential-reports/";
const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ROLES: Record<RunFileWriter, string> = {
  collector: `arn:aws:iam::${ACCOUNT}:role/credreport-collect-report`,
  summarize: `arn:aws:iam::${ACCOUNT}:role/credreport-summarize`,
  listAccounts: `arn:aws:iam::${ACCOUNT}:role/credreport-list-accounts`,
};
/** Someone else in the account whose identity policy allows all of S3 and KMS: an administrator, or a role given too much. */
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/admin`;
/** The role that deploys the stack, with a path: its sessions' ARNs drop the path, aws:PrincipalArn keeps it. */
const DEPLOYER = `arn:aws:iam::${ACCOUNT}:role/ci/credreport-deployer`;
const DEPLOYER_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/credreport-deployer/pulumi`;
/** A break-glass user named in evidenceAdministrators. */
const BREAK_GLASS = `arn:aws:iam::${ACCOUNT}:user/evidence-keeper`;
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const EVIDENCE_ADMINISTRATORS = [...principalArnPatterns(DEPLOYER_SESSION), BREAK_GLASS];
const run = { id: "r1", startedAt: "2026-11-25T08:00:00Z" };
const RUN = `${BUCKET}/${PREFIX}date=2026-11-25/run=r1`;
const object = (key: string) => `${BUCKET}/${key}`;
const storage = { bucketArn: BUCKET, prefix: PREFIX, region: "eu-west-1", kmsKeyArn: KEY };
const mapFiles = { bucketArn: "arn:aws:s3:::credreport-map-files-1", prefix: "map-runs/", partsPrefix: "summarize-parts/" };
const bucketPolicy = reportBucketPolicy({
  bucketArn: BUCKET,
  prefix: PREFIX,
  collectorRoleArn: ROLES.collector,
  summarizeRoleArn: ROLES.summarize,
  listAccountsRoleArn: ROLES.listAccounts,
  evidenceAdministrators: EVIDENCE_ADMINISTRATORS,
});
const keyPolicy = reportKeyPolicy({ partition: "aws", keyAccountId: ACCOUNT, region: "eu-west-1", bucketArn: BUCKET, writerRoleArns: Object.values(ROLES), evidenceAdministrators: EVIDENCE_ADMINISTRATORS });
const EVERYTHING = { Version: "2012-10-17", Statement: [{ Sid: "All", Effect: "Allow", Action: ["s3:*", "kms:*"], Resource: "*" }] };
const identity: Record<string, PolicyDocument | object> = {
  [ROLES.collector]: collectorPolicy({ partition: "aws", organizationId: "o-exampleorg1", memberRoleName: "m", storage, logGroupArn: "arn:aws:logs:eu-west-1:123456789012:log-group:c" }),
  [ROLES.summarize]: summarizePolicy({ storage, mapFiles, topicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:t`, eventBusArn: `arn:aws:events:eu-west-1:${ACCOUNT}:event-bus/default`, logGroupArn: "arn:aws:logs:eu-west-1:123456789012:log-group:s" }),
  [ROLES.listAccounts]: listAccountsPolicy({ partition: "aws", organizationId: "o-exampleorg1", storage, mapFiles, logGroupArn: "arn:aws:logs:eu-west-1:123456789012:log-group:l" }),
  [ADMIN]: EVERYTHING,
  [DEPLOYER]: EVERYTHING,
  [BREAK_GLASS]: EVERYTHING,
  [ROOT]: EVERYTHING,
};

/** The decision for one request by a principal of the account, over TLS, under the bucket's policy (or another). */
async function decide(principal: string, action: string, resource: string, context: Record<string, string> = {}, resourcePolicy: object = bucketPolicy): Promise<string> {
  const simulation: Simulation = {
    identityPolicies: [{ name: "inline", policy: identity[principal] as never }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: resourcePolicy as never,
    request: {
      principal,
      action,
      resource: { resource, accountId: ACCOUNT },
      // What AWS sets for a role's session: the role's ARN as aws:PrincipalArn.
      contextVariables: { "aws:SecureTransport": "true", "aws:PrincipalArn": principal, ...context },
    },
  };
  const response = await runSimulation(simulation, {});
  if (response.resultType === "error") throw new Error(JSON.stringify(response.errors));
  return response.overallResult;
}

const ONLY_IF_ABSENT = { "s3:if-none-match": "*" };

/** Every file of a run, by the writer that stores it (functions/run/report-keys.ts). */
const FILES: [string, RunFileWriter[]][] = [
  [reportKey(run, "111122223333"), ["collector"]],
  [iamAccountKey(run, "111122223333"), ["collector"]],
  // An account's analysis is stored where its report is read: by the collector, or by Summarize for those it left.
  [accountAnalysisKey(run, "111122223333"), ["collector", "summarize"]],
  [manifestKey(run), ["summarize"]],
  ...Object.keys(ANALYSIS_FILES).map((file): [string, RunFileWriter[]] => [analysisKey(run, file as keyof typeof ANALYSIS_FILES), ["summarize"]]),
  [accountListKey(run), ["listAccounts"]],
  // Kept across runs, for Athena.
  [historyKey(run, "historyRun"), ["summarize"]],
  [historyKey(run, "historyFindings"), ["summarize"]],
];

describe("report bucket policy, evaluated by an IAM simulator", function () {
  this.timeout(60_000);

  it("lets each writer store its own files of a run, only if absent, and no other's", async () => {
    for (const [key, owners] of FILES) {
      for (const [writer, role] of Object.entries(ROLES) as [RunFileWriter, string][]) {
        const expected = owners.includes(writer) ? "Allowed" : "ExplicitlyDenied";
        expect(await decide(role, "s3:PutObject", object(key), ONLY_IF_ABSENT), `${writer} puts ${key}`).to.equal(expected);
        // Never unconditionally: that would replace stored evidence.
        expect(await decide(role, "s3:PutObject", object(key)), `${writer} puts ${key} unconditionally`).to.equal("ExplicitlyDenied");
      }
    }
  });

  it("holds the same rules without the bucket policy (an existing bucket): the roles' own policies keep each to its files, only if absent", async () => {
    const none = { Version: "2012-10-17", Statement: [] };
    for (const [key, owners] of FILES) {
      for (const [writer, role] of Object.entries(ROLES) as [RunFileWriter, string][]) {
        const expected = owners.includes(writer) ? "Allowed" : "ImplicitlyDenied";
        expect(await decide(role, "s3:PutObject", object(key), ONLY_IF_ABSENT, none), `${writer} puts ${key}`).to.equal(expected);
        expect(await decide(role, "s3:PutObject", object(key), {}, none), `${writer} puts ${key} unconditionally`).to.equal("ExplicitlyDenied");
      }
    }
  });

  it("lets nobody delete a stored file or write under the prefix, an administrator of the account included", async () => {
    for (const action of ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:DeleteObjectTagging", "s3:BypassGovernanceRetention"]) {
      for (const principal of [...Object.values(ROLES), ADMIN]) {
        expect(await decide(principal, action, object(reportKey(run, "111122223333"))), `${principal} ${action}`).to.equal("ExplicitlyDenied");
      }
    }
    expect(await decide(ADMIN, "s3:PutObject", object(manifestKey(run)), ONLY_IF_ABSENT)).to.equal("ExplicitlyDenied");
    expect(await decide(ADMIN, "s3:GetObject", object(manifestKey(run)))).to.equal("Allowed");
    // Outside the prefix the bucket is the account's to use.
    expect(await decide(ADMIN, "s3:PutObject", `${BUCKET}/athena-results/q1.csv`)).to.equal("Allowed");
    expect(await decide(ROLES.collector, "s3:PutObject", `${BUCKET}/elsewhere/file.json`, ONLY_IF_ABSENT)).to.equal("ExplicitlyDenied");
  });

  it("still allows the pipeline's reads and listing, and denies plain HTTP", async () => {
    for (const role of Object.values(ROLES)) expect(await decide(role, "s3:GetObject", `${RUN}/account=111122223333.csv`)).to.equal("Allowed");
    expect(await decide(ROLES.summarize, "s3:ListBucket", BUCKET, { "s3:prefix": `${PREFIX}date=2026-11-25/` })).to.equal("Allowed");
    expect(await decide(ROLES.summarize, "s3:GetObject", `${RUN}/manifest.json`, { "aws:SecureTransport": "false" })).to.equal("ExplicitlyDenied");
  });

  it("lets only the evidence administrators (the deploying role, path and all, and those named) change the bucket's lifecycle, encryption, versioning, Object Lock or policy", async () => {
    for (const action of BUCKET_PROTECTION_ACTIONS) {
      expect(await decide(ADMIN, action, BUCKET), `admin ${action}`).to.equal("ExplicitlyDenied");
      expect(await decide(ROLES.summarize, action, BUCKET), `summarize ${action}`).to.equal("ExplicitlyDenied");
      expect(await decide(DEPLOYER, action, BUCKET), `deployer ${action}`).to.equal("Allowed");
      expect(await decide(BREAK_GLASS, action, BUCKET), `break-glass ${action}`).to.equal("Allowed");
    }
    // The rest of the bucket's management is the account's as before.
    expect(await decide(ADMIN, "s3:GetLifecycleConfiguration", BUCKET)).to.equal("Allowed");
    expect(await decide(ADMIN, "s3:PutBucketTagging", BUCKET)).to.equal("Allowed");
  });

  it("lets only the evidence administrators delete or disable the report key or replace its policy, the account's root user included", async () => {
    const key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    for (const action of KEY_PROTECTION_ACTIONS) {
      for (const principal of [ADMIN, ROOT]) expect(await decide(principal, action, key, {}, keyPolicy), `${principal} ${action}`).to.equal("ExplicitlyDenied");
      for (const principal of [DEPLOYER, BREAK_GLASS]) expect(await decide(principal, action, key, {}, keyPolicy), `${principal} ${action}`).to.equal("Allowed");
    }
    expect(await decide(ADMIN, "kms:DescribeKey", key, {}, keyPolicy)).to.equal("Allowed");
    expect(await decide(ADMIN, "kms:EnableKeyRotation", key, {}, keyPolicy)).to.equal("Allowed");
  });

  it("lets Summarize write a large file as a multipart upload, completed only if absent; others upload no part", async () => {
    const file = object(analysisKey(run, "findingsLines"));
    // CreateMultipartUpload, UploadPart and UploadPartCopy take no If-None-Match: they create no object.
    expect(await decide(ROLES.summarize, "s3:PutObject", file, { "s3:ObjectCreationOperation": "false" })).to.equal("Allowed");
    expect(await decide(ROLES.summarize, "s3:AbortMultipartUpload", file)).to.equal("Allowed");
    // CompleteMultipartUpload creates it: only if absent.
    expect(await decide(ROLES.summarize, "s3:PutObject", file, { "s3:ObjectCreationOperation": "true", ...ONLY_IF_ABSENT })).to.equal("Allowed");
    expect(await decide(ROLES.summarize, "s3:PutObject", file, { "s3:ObjectCreationOperation": "true" })).to.equal("ExplicitlyDenied");
    // A request that says nothing of it is judged as one that creates.
    expect(await decide(ROLES.summarize, "s3:PutObject", file)).to.equal("ExplicitlyDenied");
    for (const principal of [ROLES.collector, ADMIN]) {
      expect(await decide(principal, "s3:PutObject", file, { "s3:ObjectCreationOperation": "false" }), principal).to.equal("ExplicitlyDenied");
    }
  });
});
