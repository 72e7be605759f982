import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import type { PolicyStatement } from "../../policies/document";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAcceptedRisks } from "../../functions/analysis/accepted-risks-file";
import { bundleFunction } from "../../functions/pipeline/bundle";
import { REPORTS_PREFIX } from "../../functions/run/report-keys";
import { buildDefinition } from "../../functions/pipeline/state-machine-definition";
import { FIX_WITH_CONFIG, organizationScope, parseConfig } from "../../components/config/config";
import { failureOf, LOOKED_UP_ORGANIZATION, MANAGEMENT_ACCOUNT, mockCloud, type MockCloud, one, ofType, PIPELINE_ACCOUNT, REGION, some, STORAGE_ACCOUNT } from "../helpers/pulumi/mock-cloud";
import { runProgram, runStack, type StackOutputs } from "../helpers/pulumi/program";
import { EXISTING_KEY, MANAGEMENT_ROLE, ORG, STACKS, STORAGE_ROLE } from "../helpers/pulumi/stacks";
import { asList, memberRoleOf, recordedPolicies, rolePolicy, statement, statementsOf, takesTags } from "../helpers/pulumi/recorded-policies";

type Run = MockCloud & { outputs: StackOutputs };

describe("Pulumi program (index.ts under the mocks)", function () {
  this.timeout(60_000);
  const runs: Record<string, Run> = {};

  before(async () => {
    for (const stack of Object.keys(STACKS)) runs[stack] = await runStack(stack);
  });

  for (const stack of Object.keys(STACKS)) {
    describe(stack, () => {
      const run = () => runs[stack];
      const config = STACKS[stack];
      const memberRoleName = config.memberRoleName ?? "iam-credential-report-generation-role";
      const organizationId = config.organizationId ?? LOOKED_UP_ORGANIZATION.id;

      it("has no statement with Action \"*\", no wildcard Allow, and a Sid on every statement", () => {
        const policies = recordedPolicies(run());
        expect(policies.length).to.be.greaterThan(8);
        for (const { where, document } of policies) {
          for (const s of document.Statement) {
            expect(s.Sid, `${where}: a statement without Sid`).to.match(/^[A-Za-z0-9]+$/);
            expect(asList(s.Action), `${where} ${s.Sid}`).to.not.include("*");
            // A whole service is granted only by KMS's key-administration statement, to the key's own account.
            if (s.Effect === "Allow" && s.Sid !== "AllowKeyAccountToAdminister") {
              expect(asList(s.Action).filter((a) => a.includes("*")), `${where} ${s.Sid}`).to.deep.equal([]);
            }
          }
        }
      });

      it("lets the collector assume only the member role name, inside the organization", () => {
        const assume = statement(rolePolicy(run(), "collect-report"), "AssumeMemberRole");
        expect(assume.Effect).to.equal("Allow");
        expect(assume.Action).to.equal("sts:AssumeRole");
        expect(assume.Resource).to.equal(`arn:aws:iam::*:role/${memberRoleName}`);
        expect(assume.Condition?.StringEquals?.["aws:PrincipalOrgID"]).to.equal(organizationId);
        const assumers = rolePolicy(run(), "collect-report").filter((s) => asList(s.Action).includes("sts:AssumeRole"));
        expect(assumers).to.have.length(1);
      });

      it("deploys a member role that trusts only the collector role, and Summarize with Security Hub on", () => {
        const stackSet = one(run(), "aws:cloudformation/stackSet:StackSet");
        const role = memberRoleOf(stackSet);
        const securityHub = config.securityHub === "true";
        expect(role.RoleName).to.equal(memberRoleName);
        expect(role.AssumeRolePolicyDocument.Statement.map((s) => s.Principal)).to.deep.equal([
          { AWS: run().outputs.collectorRoleArn },
          ...(securityHub ? [{ AWS: `arn:aws:iam::${PIPELINE_ACCOUNT}:role/credreport-summarize` }] : []),
        ]);
        expect(run().outputs.collectorRoleArn).to.equal(`arn:aws:iam::${PIPELINE_ACCOUNT}:role/credreport-collect-report`);
        const actions = role.Policies.flatMap((p) => p.PolicyDocument.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => asList(s.Action)));
        expect(actions).to.have.members([
          "iam:GenerateCredentialReport",
          "iam:GetCredentialReport",
          "iam:GetAccountSummary",
          "iam:ListVirtualMFADevices",
          "iam:GetAccountPasswordPolicy",
          ...(securityHub ? ["securityhub:BatchImportFindings"] : []),
        ]);
      });

      it("makes a service-managed, auto-deploying StackSet targeting the OUs or the root, in one region", () => {
        const stackSet = one(run(), "aws:cloudformation/stackSet:StackSet");
        expect(stackSet.inputs.permissionModel).to.equal("SERVICE_MANAGED");
        expect(stackSet.inputs.autoDeployment).to.deep.equal({ enabled: true, retainStacksOnAccountRemoval: false });
        expect(stackSet.inputs.capabilities).to.deep.equal(["CAPABILITY_NAMED_IAM"]);
        expect(stackSet.inputs.callAs).to.equal(config.stackSetCallAs ?? "SELF");
        const instances = one(run(), "aws:cloudformation/stackSetInstance:StackSetInstance");
        const expectedTargets = config.organizationalUnitIds ? JSON.parse(config.organizationalUnitIds) : [config.organizationRootId ?? LOOKED_UP_ORGANIZATION.rootId];
        expect(instances.inputs.deploymentTargets).to.deep.equal({ organizationalUnitIds: expectedTargets });
        expect(instances.inputs.stackSetInstanceRegion).to.equal(REGION);
        expect(instances.inputs.stackSetName).to.equal(run().outputs.stackSetName);
      });

      it("deploys exactly the shared builder's definition", () => {
        const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${PIPELINE_ACCOUNT}:function:credreport-${name}`;
        const expected = buildDefinition(
          {
            listAccountsArn: fnArn("list-accounts"),
            collectReportArn: fnArn("collect-report"),
            summarizeArn: fnArn("summarize"),
            topicArn: run().outputs.topicArn as string,
            mapBucket: run().outputs.mapBucketName as string,
          },
          { maxConcurrency: 10, accountsPerBatch: 25, maxPollAttempts: 15, pollIntervalSeconds: 10, runTimeoutMinutes: 360 },
        );
        const machine = one(run(), "aws:sfn/stateMachine:StateMachine");
        expect(JSON.parse(machine.inputs.definition)).to.deep.equal(expected);
        expect(machine.inputs.tracingConfiguration).to.deep.equal({ enabled: true });
        expect(machine.inputs.loggingConfiguration.includeExecutionData).to.equal(false);
        expect(machine.inputs.roleArn).to.equal(`arn:aws:iam::${PIPELINE_ACCOUNT}:role/credreport-state-machine`);
      });

      it("gives every log group the configured retention", () => {
        const groups = ofType(run(), "aws:cloudwatch/logGroup:LogGroup");
        expect(groups).to.have.length(4);
        for (const group of groups) expect(group.inputs.retentionInDays, group.name).to.equal(Number(config.logRetentionDays ?? 90));
      });

      it("tags every resource that takes tags", () => {
        const tags = JSON.parse(config.tags ?? "{}");
        const taggable = run().resources.filter((r) => takesTags(r.type));
        expect(taggable.length).to.be.greaterThan(10);
        for (const resource of taggable) expect(resource.inputs.tags, `${resource.type} ${resource.name}`).to.deep.equal(tags);
      });

      it("exports every output, with a console link and a command that starts a run, each named in the README", () => {
        const outputs = run().outputs;
        const readme = readFileSync(join(__dirname, "../../README.md"), "utf8");
        expect(Object.keys(outputs).filter((output) => !new RegExp(`^\\| [^|]*\`${output}\``, "m").test(readme))).to.deep.equal([]);
        expect(Object.keys(outputs)).to.have.members([
          "bucketName",
          "reportsPrefix",
          "stateMachineArn",
          "topicArn",
          "collectorRoleArn",
          "listAccountsRoleArn",
          "summarizeRoleArn",
          "bucketPolicyToAdd",
          "memberRoleName",
          "stackSetName",
          "stateMachineConsoleUrl",
          "startRunCommand",
          "athenaDatabase",
          "mapBucketName",
          "listAccountsLogGroup",
          "collectReportLogGroup",
          "summarizeLogGroup",
          "executionsLogGroup",
          "scheduleDeadLetterQueueUrl",
          "readReportsPolicy",
        ]);
        for (const part of ["list-accounts", "collect-report", "summarize"]) {
          expect(outputs[`${part.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())}LogGroup`]).to.equal(`/aws/lambda/credreport-${part}-credreport-${part}-logs`);
        }
        expect(outputs.executionsLogGroup).to.match(/^\/aws\/vendedlogs\/states\//);
        expect(outputs.scheduleDeadLetterQueueUrl).to.equal(`https://sqs.${REGION}.amazonaws.com/${PIPELINE_ACCOUNT}/credreport-schedule-dead-letters`);
        expect(JSON.parse(String(outputs.readReportsPolicy)).Statement.map((s: PolicyStatement) => s.Sid)).to.deep.equal([
          "ListRunFiles",
          "ReadRunFiles",
          ...(config.kmsKey && config.kmsKey !== "none" ? ["DecryptRunFilesThroughS3"] : []),
        ]);
        expect(outputs.reportsPrefix).to.equal(REPORTS_PREFIX);
        expect(outputs.memberRoleName).to.equal(memberRoleName);
        expect(outputs.stateMachineConsoleUrl).to.equal(
          `https://${REGION}.console.aws.amazon.com/states/home?region=${REGION}#/statemachines/view/${outputs.stateMachineArn}`,
        );
        expect(outputs.startRunCommand).to.equal(`aws stepfunctions start-execution --region ${REGION} --state-machine-arn ${outputs.stateMachineArn}`);
      });
    });
  }

  describe("new bucket stacks", () => {
    for (const stack of ["new bucket, new key, email", "no KMS, no email, organization looked up", "separate storage account"]) {
      it(`${stack}: blocks public access, enforces owner, versions, denies plain HTTP and keeps the bucket on destroy`, () => {
        const run = runs[stack];
        const block = one(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "reports-public-access-block").inputs;
        expect(block).to.include({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
        expect(one(run, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "reports-ownership").inputs.rule).to.deep.equal({ objectOwnership: "BucketOwnerEnforced" });
        expect(one(run, "aws:s3/bucketVersioning:BucketVersioning").inputs.versioningConfiguration).to.deep.equal({ status: "Enabled" });

        const policy = one(run, "aws:s3/bucketPolicy:BucketPolicy", "reports-policy");
        const bucketArn = `arn:aws:s3:::${run.outputs.bucketName}`;
        const tls = statement(statementsOf(policy), "DenyInsecureTransport");
        expect(tls).to.deep.include({ Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } });
        expect(tls.Resource).to.deep.equal([bucketArn, `${bucketArn}/*`]);
        // Each writer its own files (the IAM simulator judges the whole policy in bucket-policy-simulation.test.ts).
        const writers = { Collector: run.outputs.collectorRoleArn, Summarize: run.outputs.summarizeRoleArn, ListAccounts: run.outputs.listAccountsRoleArn };
        for (const [writer, role] of Object.entries(writers)) {
          const writes = statement(statementsOf(policy), `Allow${writer}ToStoreItsFiles`);
          expect(writes.Principal).to.deep.equal({ AWS: role });
          for (const resource of asList(writes.Resource)) expect(resource).to.match(new RegExp(`^${bucketArn}/${REPORTS_PREFIX}(date=\\*/run=\\*/|history/)`));
        }
        expect(statement(statementsOf(policy), "DenyDeletingRunFiles")).to.deep.include({ Principal: "*", Action: ["s3:DeleteObject*", "s3:BypassGovernanceRetention"], Resource: `${bucketArn}/${REPORTS_PREFIX}*` });
        // Only whoever deploys the bucket (the mocks' caller, in the storage account when there is one) changes what protects the evidence.
        const bucketAccount = stack === "separate storage account" ? STORAGE_ACCOUNT : PIPELINE_ACCOUNT;
        expect(statement(statementsOf(policy), "DenyProtectionChangesByOthers")).to.deep.include({
          Principal: "*",
          Resource: bucketArn,
          Condition: { ArnNotLike: { "aws:PrincipalArn": [`arn:aws:iam::${bucketAccount}:user/deployer`] } },
        });

        const bucketChildren = run.options.filter((o) => o.name.startsWith("reports-"));
        expect(bucketChildren.length).to.be.greaterThan(5);
        for (const child of bucketChildren) expect(child.retainOnDelete, child.name).to.equal(true);
      });
    }

    it("lets a stack opt out of keeping the bucket, and expires reports after the retention", async () => {
      const run = await runProgram({ ...ORG, retainBucketOnDestroy: "false", reportRetentionDays: "400" });
      for (const child of some(run.options.filter((o) => o.name.startsWith("reports-")), "bucket part")) expect(child.retainOnDelete, child.name).to.equal(false);
      const lifecycle = one(run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "reports-retention");
      expect(lifecycle.inputs.rules).to.deep.equal([
        { id: "abort-incomplete-uploads", status: "Enabled", filter: { prefix: REPORTS_PREFIX }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } },
        {
          id: "expire-credential-reports",
          status: "Enabled",
          filter: { prefix: REPORTS_PREFIX },
          expiration: { days: 400 },
          noncurrentVersionExpiration: { noncurrentDays: 400 },
        },
      ]);
      // Kept forever without it: only uploads that never completed are dropped.
      const reportLifecycles = ofType(runs["new bucket, new key, email"], "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").filter((r) => r.name.startsWith("reports-"));
      expect(reportLifecycles.map((r) => r.inputs.rules)).to.deep.equal([
        [{ id: "abort-incomplete-uploads", status: "Enabled", filter: { prefix: REPORTS_PREFIX }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } }],
      ]);
    });

    it("locks every stored file with S3 Object Lock when asked, on the versioned bucket, and not otherwise", async () => {
      const run = await runProgram({ ...ORG, objectLockMode: "compliance", objectLockDays: "365" });
      const lock = one(run, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "reports-object-lock");
      expect(lock.inputs).to.deep.include({ objectLockEnabled: "Enabled", rule: { defaultRetention: { mode: "COMPLIANCE", days: 365 } } });
      expect(lock.inputs.bucket).to.equal(one(run, "aws:s3/bucketVersioning:BucketVersioning", "reports-versioning").inputs.bucket);
      expect(ofType(runs["new bucket, new key, email"], "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")).to.deep.equal([]);
    });

    it("encrypts with SSE-S3 when kmsKey is none", () => {
      const encryption = one(runs["no KMS, no email, organization looked up"], "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "reports-encryption");
      expect(encryption.inputs.rules).to.deep.equal([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: false }]);
      // The notices' own key only.
      expect(ofType(runs["no KMS, no email, organization looked up"], "aws:kms/key:Key").map((k) => k.name)).to.deep.equal(["notifications-key"]);
    });

    it("encrypts with a new rotating key whose policy lets the pipeline only encrypt through S3", () => {
      const run = runs["new bucket, new key, email"];
      const key = one(run, "aws:kms/key:Key", "reports-key");
      expect(key.inputs.enableKeyRotation).to.equal(true);
      const keyArn = `arn:aws:kms:${REGION}:${PIPELINE_ACCOUNT}:key/reports-key`;
      const encryption = one(run, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "reports-encryption");
      expect(encryption.inputs.rules).to.deep.equal([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn }, bucketKeyEnabled: true }]);
      const use = statement(statementsOf(key), "AllowPipelineToEncryptThroughS3");
      expect(use.Action).to.deep.equal(["kms:GenerateDataKey", "kms:Decrypt"]);
      const bucketArn = `arn:aws:s3:::${run.outputs.bucketName}`;
      // Through S3 and for the report bucket only: S3 names the bucket (or the object) in the encryption context.
      expect(use.Condition).to.deep.equal({
        StringEquals: { "kms:ViaService": `s3.${REGION}.amazonaws.com` },
        StringLike: { "kms:EncryptionContext:aws:s3:arn": [bucketArn, `${bucketArn}/*`] },
      });
      expect(use.Principal).to.deep.equal({ AWS: [run.outputs.collectorRoleArn, `arn:aws:iam::${PIPELINE_ACCOUNT}:role/credreport-summarize`, `arn:aws:iam::${PIPELINE_ACCOUNT}:role/credreport-list-accounts`] });
      const collectorKms = statement(rolePolicy(run, "collect-report"), "EncryptWithReportKey");
      expect(collectorKms.Resource).to.equal(keyArn);
    });
  });

  describe("existing bucket and key", () => {
    const run = () => runs["existing bucket, existing key"];

    it("creates nothing in S3 or KMS for the reports and changes nothing of theirs", () => {
      // Only the map files bucket, the pipeline's own working storage, is made, and the notices' key.
      const storageTypes = run().resources.filter((r) => r.type.startsWith("aws:s3/") || r.type.startsWith("aws:kms/"));
      expect(storageTypes.filter((r) => !r.name.startsWith("credreport-map-files-")).map((r) => r.name)).to.deep.equal(["notifications-key"]);
      expect(run().outputs.bucketName).to.equal("acme-audit-evidence");
    });

    it("grants the pipeline's roles on their side: the prefix and the key through S3", () => {
      const policy = rolePolicy(run(), "collect-report");
      expect(statement(policy, "ReadRunFiles")).to.deep.include({ Action: "s3:GetObject", Resource: `arn:aws:s3:::acme-audit-evidence/${REPORTS_PREFIX}*` });
      expect(statement(policy, "StoreOwnRunFiles").Resource).to.deep.equal(
        ["account=*.csv", "account=*.iam.json", "account=*.analysis.json", "account=*.action=*.json"].map((file) => `arn:aws:s3:::acme-audit-evidence/${REPORTS_PREFIX}date=*/run=*/${file}`),
      );
      // Write-once holds on the roles' side too: the existing bucket's policy is not ours.
      expect(statement(policy, "DenyPutUnlessAbsent")).to.deep.include({
        Effect: "Deny",
        Action: "s3:PutObject",
        Condition: { Null: { "s3:if-none-match": "true" }, BoolIfExists: { "s3:ObjectCreationOperation": "true" } },
      });
      for (const fn of ["collect-report", "summarize"]) {
        const kms = statement(rolePolicy(run(), fn), "EncryptWithReportKey");
        expect(kms.Resource).to.equal(EXISTING_KEY);
        expect(kms.Condition).to.deep.equal({
          StringEquals: { "kms:ViaService": `s3.${REGION}.amazonaws.com` },
          StringLike: { "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::acme-audit-evidence", "arn:aws:s3:::acme-audit-evidence/*"] },
        });
      }
      expect(rolePolicy(runs["no KMS, no email, organization looked up"], "collect-report").map((s) => s.Sid)).to.not.include("EncryptWithReportKey");
    });

    it("prints the statements the bucket's owner adds: every writer role, with exactly the S3 actions its own policy uses there", () => {
      const bucketArn = "arn:aws:s3:::acme-audit-evidence";
      const added = JSON.parse(run().outputs.bucketPolicyToAdd as string) as PolicyStatement[];
      const writers = { "collect-report": "collectorRoleArn", "list-accounts": "listAccountsRoleArn", summarize: "summarizeRoleArn" };
      const sorted = (actions: string[]) => [...new Set(actions)].sort();

      for (const [fn, output] of Object.entries(writers)) {
        const arn = run().outputs[output] as string;
        expect(arn).to.equal(`arn:aws:iam::${PIPELINE_ACCOUNT}:role/credreport-${fn}`);
        const granted = added.filter((s) => s.Effect === "Allow" && typeof s.Principal === "object" && asList(s.Principal.AWS).includes(arn));
        const used = rolePolicy(run(), fn).filter((s) => s.Effect === "Allow" && asList(s.Resource).some((r) => r.startsWith(bucketArn)));
        expect(sorted(granted.flatMap((s) => asList(s.Action))), fn).to.deep.equal(sorted(used.flatMap((s) => asList(s.Action))));
        for (const s of granted) expect(asList(s.Resource).every((r) => r.startsWith(bucketArn)), s.Sid).to.equal(true);
      }
      expect(added.map((s) => s.Sid)).to.include("DenyPutUnlessAbsent");
      expect(runs["new bucket, new key, email"].outputs.bucketPolicyToAdd).to.equal("");
    });
  });

  describe("separate storage account", () => {
    it("creates the bucket and key through the storage account's provider, granting the pipeline account's roles", () => {
      const run = runs["separate storage account"];
      const provider = one(run, "pulumi:providers:aws", "storage-account");
      expect(provider.inputs.assumeRoles).to.equal(JSON.stringify([{ roleArn: STORAGE_ROLE, sessionName: "credreport-pulumi" }]));
      const storage = run.resources.filter((r) => r.type.startsWith("aws:s3/") || (r.type.startsWith("aws:kms/") && r.name !== "notifications-key"));
      for (const r of some(storage.filter((r) => !r.name.startsWith("credreport-map-files-")), "storage resource")) {
        expect(r.provider, r.name).to.match(/::storage-account::/);
      }
      // The Distributed Map writes its results only to a bucket of its own account.
      for (const r of some(storage.filter((r) => r.name.startsWith("credreport-map-files-")), "map files resource")) expect(r.provider ?? "", r.name).to.not.match(/storage-account/);
      for (const r of some(run.resources.filter((r) => r.type.startsWith("aws:lambda/") || r.type.startsWith("aws:iam/")), "Lambda or IAM resource")) {
        expect(r.provider ?? "", r.name).to.not.match(/storage-account/);
      }
      const key = one(run, "aws:kms/key:Key", "reports-key");
      expect(statement(statementsOf(key), "AllowKeyAccountToAdminister").Principal).to.deep.equal({ AWS: `arn:aws:iam::${STORAGE_ACCOUNT}:root` });
      // Who deploys there (the storage provider's caller) alone may delete, disable or re-policy it.
      expect(statement(statementsOf(key), "DenyKeyDestructionByOthers")).to.deep.include({
        Action: ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"],
        Condition: { ArnNotLike: { "aws:PrincipalArn": [`arn:aws:iam::${STORAGE_ACCOUNT}:user/deployer`] } },
      });
      expect(statement(statementsOf(key), "AllowPipelineToEncryptThroughS3").Principal).to.deep.equal({
        AWS: ["collect-report", "summarize", "list-accounts"].map((role) => `arn:aws:iam::${PIPELINE_ACCOUNT}:role/credreport-${role}`),
      });
      expect(statement(rolePolicy(run, "collect-report"), "EncryptWithReportKey").Resource).to.equal(
        `arn:aws:kms:${REGION}:${STORAGE_ACCOUNT}:key/reports-key`,
      );
    });
  });

  describe("organization and scope", () => {
    it("looks the organization up only when its ids are not configured, listing the roots only when it needs the root", () => {
      const lookups = (stack: string) => runs[stack].calls.filter((c) => c.token === "aws:organizations/getOrganization:getOrganization").map((c) => c.inputs);
      expect(lookups("no KMS, no email, organization looked up")).to.deep.equal([{ returnOrganizationOnly: false }]);
      expect(lookups("delegated administrator, organization looked up")).to.deep.equal([{ returnOrganizationOnly: true }]);
      expect(lookups("new bucket, new key, email")).to.deep.equal([]);
    });

    it("stops at preview, naming organizationRootId, where AWS Organizations does not list the roots to the deploying account", async () => {
      const config = { stackSetCallAs: "DELEGATED_ADMIN", managementAccountRole: MANAGEMENT_ROLE };
      await mockCloud(config);

      const failure = await failureOf(organizationScope(parseConfig(config)));

      expect(failure).to.equal(
        [
          "Invalid configuration (1 problem):",
          "  - organizationRootId must be set: AWS Organizations lists the roots only to the management account and its delegated " +
            `administrators, and the deploying account is neither (organization ${LOOKED_UP_ORGANIZATION.id}, management account ${MANAGEMENT_ACCOUNT}). ` +
            "In the management account, `aws organizations list-roots --query 'Roots[0].Id' --output text` prints the root id (r-...)",
          FIX_WITH_CONFIG,
        ].join("\n"),
      );
    });

    it("hands ListAccounts the OUs and exclusions, and CollectReport the bucket and role name", () => {
      const run = runs["OU-scoped"];
      const env = (fn: string) => one(run, "aws:lambda/function:Function", `credreport-${fn}`).inputs.environment.variables;
      expect(env("list-accounts")).to.deep.equal({
        REPORT_BUCKET: run.outputs.bucketName,
        MAP_BUCKET: run.outputs.mapBucketName,
        INCLUDE_OU_IDS: "ou-ab12-cdefgh12,ou-ab12-ijklmn34",
        EXCLUDE_ACCOUNT_IDS: "111111111111,222222222222",
      });
      expect(env("collect-report")).to.deep.equal({
        REPORT_BUCKET: run.outputs.bucketName,
        MEMBER_ROLE_NAME: "audit-credential-report",
        MAX_KEY_AGE_DAYS: "60",
        UNUSED_DAYS: "45",
        ROOT_USE_WINDOW_DAYS: "30",
        MAX_REPORT_AGE_HOURS: "24",
        MIN_PASSWORD_LENGTH: "14",
        PASSWORD_REUSE_PREVENTION: "24",
        MFA_FOR_EVERY_USER: "false",
      });
      expect(env("summarize")).to.deep.equal({
        REPORT_BUCKET: run.outputs.bucketName,
        MAP_BUCKET: run.outputs.mapBucketName,
        TOPIC_ARN: run.outputs.topicArn,
        MAX_KEY_AGE_DAYS: "60",
        UNUSED_DAYS: "45",
        ROOT_USE_WINDOW_DAYS: "30",
        MAX_REPORT_AGE_HOURS: "24",
        MIN_PASSWORD_LENGTH: "14",
        PASSWORD_REUSE_PREVENTION: "24",
        MFA_FOR_EVERY_USER: "false",
      });
    });

    it("says the Athena query's key-age line is the stack's maxKeyAgeDays, which Summarize's findings draw", () => {
      const query = (stack: string) => one(runs[stack], "aws:athena/namedQuery:NamedQuery", "old-access-keys").inputs;
      expect(query("OU-scoped").description).to.contain("more than 60 whole days");
      expect(query("new bucket, new key, email").description).to.contain("more than 90 whole days");
      expect(query("OU-scoped").query).to.contain("check_id = 'access-key-old'");
    });
  });

  describe("findings lifecycle: accepted risks and Security Hub", () => {
    const on = () => runs["separate storage account"];
    const off = () => runs["new bucket, new key, email"];
    const summarizeFn = (run: Run) => one(run, "aws:lambda/function:Function", "credreport-summarize");

    it("packages the accepted risks file as JSON with both functions that analyse, as checked at preview, and nothing without one", async () => {
      const collectFn = (run: Run) => one(run, "aws:lambda/function:Function", "credreport-collect-report");
      for (const fn of [summarizeFn, collectFn]) {
        const assets = await fn(on()).inputs.code.assets;
        expect(Object.keys(assets)).to.have.members(["index.js", "accepted-risks.json"]);
        expect(JSON.parse(await assets["accepted-risks.json"].text)).to.deep.equal({
          acceptedRisks: parseAcceptedRisks(readFileSync("tests/fixtures/accepted-risks.yaml", "utf8"), "accepted-risks.yaml"),
        });
        expect(fn(off()).inputs.environment.variables).to.not.have.any.keys("ACCEPTED_RISKS_FILE", "SECURITY_HUB_MEMBER_ROLE", "SECURITY_HUB");
      }
      expect(summarizeFn(on()).inputs.environment.variables).to.include({ ACCEPTED_RISKS_FILE: "accepted-risks.json", SECURITY_HUB_MEMBER_ROLE: "iam-credential-report-generation-role" });
      expect(collectFn(on()).inputs.environment.variables).to.include({ ACCEPTED_RISKS_FILE: "accepted-risks.json", SECURITY_HUB: "true" });
    });

    it("lets Summarize assume the member role inside the organization and import only its own account's findings, with Security Hub on", () => {
      const policy = rolePolicy(on(), "summarize");
      expect(statement(policy, "AssumeMemberRoleForSecurityHub")).to.deep.equal({
        Sid: "AssumeMemberRoleForSecurityHub",
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Resource: "arn:aws:iam::*:role/iam-credential-report-generation-role",
        Condition: { StringEquals: { "aws:PrincipalOrgID": ORG.organizationId, "aws:ResourceOrgID": ORG.organizationId } },
      });
      expect(statement(policy, "ImportOwnAccountFindings")).to.deep.include({
        Action: "securityhub:BatchImportFindings",
        Resource: `arn:aws:securityhub:${REGION}:${PIPELINE_ACCOUNT}:product/${PIPELINE_ACCOUNT}/default`,
      });
      // No BatchUpdateFindings: no condition could keep it to our own findings.
      expect(JSON.stringify(policy)).to.not.contain("BatchUpdateFindings");
      const sids = rolePolicy(off(), "summarize").map((s) => s.Sid);
      expect(sids).to.not.include.members(["AssumeMemberRoleForSecurityHub"]);
      expect(sids.filter((sid) => /SecurityHub|Findings/.test(sid))).to.deep.equal([]);
    });

    it("lets the collector import only its own account's findings with its own role, with Security Hub on (elsewhere it uses the member role's session)", () => {
      const policy = rolePolicy(on(), "collect-report");
      expect(statement(policy, "ImportOwnAccountFindings")).to.deep.include({
        Action: "securityhub:BatchImportFindings",
        Resource: `arn:aws:securityhub:${REGION}:${PIPELINE_ACCOUNT}:product/${PIPELINE_ACCOUNT}/default`,
      });
      // No BatchUpdateFindings: no condition could keep it to our own findings.
      expect(JSON.stringify(policy)).to.not.contain("BatchUpdateFindings");
      expect(rolePolicy(off(), "collect-report").map((s) => s.Sid).filter((sid) => /SecurityHub|Findings/.test(sid))).to.deep.equal([]);
    });

    it("has the member role trust Summarize too, and import only its own account's findings into its own product, with Security Hub on", () => {
      const role = memberRoleOf(one(on(), "aws:cloudformation/stackSet:StackSet"));
      const summarizeRole = one(on(), "aws:iam/role:Role", "credreport-summarize");
      expect(role.AssumeRolePolicyDocument.Statement.map((s) => [s.Sid, s.Principal])).to.deep.equal([
        ["TrustCollectorRoleOnly", { AWS: `arn:aws:iam::${PIPELINE_ACCOUNT}:role/${one(on(), "aws:iam/role:Role", "credreport-collect-report").name}` }],
        ["TrustSummarizeRoleForSecurityHub", { AWS: `arn:aws:iam::${PIPELINE_ACCOUNT}:role/${summarizeRole.name}` }],
      ]);
      const statements = role.Policies[0].PolicyDocument.Statement as unknown as { Sid: string; Action: string; Resource: unknown }[];
      expect(statements.slice(2)).to.deep.equal([
        {
          Sid: "ImportOwnAccountFindings",
          Effect: "Allow",
          Action: "securityhub:BatchImportFindings",
          Resource: { "Fn::Sub": `arn:\${AWS::Partition}:securityhub:${REGION}:\${AWS::AccountId}:product/\${AWS::AccountId}/default` },
          Condition: { StringEquals: { "securityhub:TargetAccount": { "Fn::Sub": "${AWS::AccountId}" } } },
        },
      ]);
      const offRole = memberRoleOf(one(off(), "aws:cloudformation/stackSet:StackSet"));
      expect(offRole.AssumeRolePolicyDocument.Statement.map((s) => s.Sid)).to.deep.equal(["TrustCollectorRoleOnly"]);
      expect(offRole.Policies[0].PolicyDocument.Statement.map((s) => s.Sid)).to.deep.equal(["GenerateAndReadCredentialReport", "ReadAccountCredentialSettings"]);
    });

    it("warns at preview of an exception rule for a named user in every account, and goes on", async () => {
      const risks = `acceptedRisks:
  - { check: access-key-old, account: "*", user: ci-vendor-sync, reason: vendor rotates yearly, owner: platform@example.com, expires: 2027-06-30 }
  - { check: access-key-old, account: "111111111111", user: ci-deploy, reason: rotated at release, owner: platform@example.com, expires: 2027-06-30 }
`;
      const warnings: string[] = [];
      const warn = pulumi.log.warn;
      pulumi.log.warn = async (message: string) => void warnings.push(message);
      let run: Run;
      try {
        run = await runProgram({ ...ORG, acceptedRisks: risks });
      } finally {
        pulumi.log.warn = warn;
      }

      expect(warnings.filter((w) => w.startsWith("acceptedRisks"))).to.deep.equal([
        'acceptedRisks[0] (access-key-old for user "ci-vendor-sync", owner platform@example.com) applies in every account (account "*"): ' +
          "any member account can create a user of that name and have its access-key-old findings accepted. " +
          "Name the accounts the user belongs to instead: one rule per 12-digit account id (a rule takes no OU).",
      ]);
      const assets = await summarizeFn(run).inputs.code.assets;
      expect(JSON.parse(await assets["accepted-risks.json"].text).acceptedRisks).to.have.length(2);
    });

    it("refuses a broken accepted risks file at preview, naming the key, the file and the place", async () => {
      const failure = await runProgram({ ...ORG, acceptedRisksFile: "tests/fixtures/credential-reports/workloads-111111111111.csv" }).then(
        () => "",
        (err: Error) => err.message,
      );
      expect(failure).to.contain('acceptedRisksFile "tests/fixtures/credential-reports/workloads-111111111111.csv": acceptedRisks must be a list of rules');
    });
  });

  describe("functions and schedule", () => {
    const run = () => runs["new bucket, new key, email"];

    it("runs each function on nodejs24.x arm64 from the esbuild bundle of its source", async () => {
      for (const name of ["list-accounts", "collect-report", "summarize"] as const) {
        const fn = one(run(), "aws:lambda/function:Function", `credreport-${name}`);
        expect(fn.inputs).to.include({ runtime: "nodejs24.x", handler: "index.handler" });
        expect(fn.inputs.architectures).to.deep.equal(["arm64"]);
        const assets = await fn.inputs.code.assets;
        expect(Object.keys(assets)).to.deep.equal(["index.js"]);
        expect(await assets["index.js"].text).to.equal(await bundleFunction(name));
      }
    });

    it("subscribes each email and lets only the pipeline's roles publish", () => {
      const subscriptions = ofType(run(), "aws:sns/topicSubscription:TopicSubscription");
      expect(subscriptions.map((s) => [s.inputs.protocol, s.inputs.endpoint])).to.have.deep.members([
        ["email", "security@example.com"],
        ["email", "audit@example.com"],
      ]);
      expect(ofType(runs["no KMS, no email, organization looked up"], "aws:sns/topicSubscription:TopicSubscription")).to.deep.equal([]);
      expect(one(run(), "aws:sns/topic:Topic").inputs.kmsMasterKeyId).to.equal(`arn:aws:kms:${REGION}:${PIPELINE_ACCOUNT}:key/notifications-key`);
    });

    it("runs daily at the configured hour, or on the given expression and time zone", async () => {
      const schedule = one(run(), "aws:scheduler/schedule:Schedule").inputs;
      expect(schedule.scheduleExpression).to.equal("cron(0 6 * * ? *)");
      expect(schedule.scheduleExpressionTimezone).to.equal("UTC");
      expect(schedule.target.arn).to.equal(run().outputs.stateMachineArn);
      expect(one(runs["OU-scoped"], "aws:scheduler/schedule:Schedule").inputs.scheduleExpression).to.equal("cron(0 8 * * ? *)");

      const custom = await runProgram({ ...ORG, scheduleExpression: "cron(30 2 ? * MON-FRI *)", scheduleTimezone: "Europe/Paris" });
      const customSchedule = one(custom, "aws:scheduler/schedule:Schedule").inputs;
      expect(customSchedule).to.include({ scheduleExpression: "cron(30 2 ? * MON-FRI *)", scheduleExpressionTimezone: "Europe/Paris" });
      const scheduleRole = statementsOf(one(custom, "aws:iam/rolePolicy:RolePolicy", "schedule-policy"));
      expect(scheduleRole).to.deep.equal([
        { Sid: "StartRun", Effect: "Allow", Action: "states:StartExecution", Resource: custom.outputs.stateMachineArn },
        { Sid: "KeepFailedStarts", Effect: "Allow", Action: "sqs:SendMessage", Resource: `arn:aws:sqs:${REGION}:${PIPELINE_ACCOUNT}:credreport-schedule-dead-letters` },
      ]);
      expect(customSchedule.target.deadLetterConfig).to.deep.equal({ arn: `arn:aws:sqs:${REGION}:${PIPELINE_ACCOUNT}:credreport-schedule-dead-letters` });
    });
  });

  it("stops at load with every config problem listed, before creating anything", async () => {
    let error: Error | undefined;
    try {
      await runProgram({ scheduleHour: "24", kmsKey: "new", existingBucket: "true" });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).to.equal(
      "Invalid configuration (3 problems):\n" +
        "  - bucketName must be set when existingBucket is true (the name of the bucket to use)\n" +
        '  - kmsKey must be "none" or the existing bucket\'s key ARN when existingBucket is true, got "new" (a new key is only made with a new bucket)\n' +
        '  - scheduleHour must be a whole number from 0 to 23, got "24"\n' +
        "Fix with `pulumi config set <key> <value>` (or `pulumi config rm <key>` for the default).",
    );
  });
});
