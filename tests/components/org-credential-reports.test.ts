import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { historyQueries } from "../../components/queries/athena-queries";
import { OrgCredentialReports } from "../../components/org-credential-reports";
import { argsFromConfigText } from "../../components/config/stack-config";
import { memberRolePolicy, memberRoleTrust } from "../../policies/member-role-template";
import { MANAGEMENT_ACCOUNT, one, REGION } from "../helpers/pulumi/mock-cloud";
import { resourceShapes, runOwnProgram, runProgram, runStack } from "../helpers/pulumi/program";
import { MANAGEMENT_ROLE, ORG, STACKS } from "../helpers/pulumi/stacks";
import { engineUrn, knownUrns } from "../helpers/pulumi/urns";

/** The URNs of every resource of each stack, as the program made them before the component existed. */
const URNS_BEFORE: Record<string, string[]> = JSON.parse(readFileSync(join(__dirname, "..", "fixtures", "urns", "before-component.json"), "utf8"));

/** The rules (and their targets) that hear of a change to the evidence's protections. */
function evidenceWatch(kmsKey: string): string[][] {
  const watched = ["bucket", ...(kmsKey === "none" ? [] : ["key"])];
  return watched.flatMap((what) => [
    ["aws:cloudwatch/eventRule:EventRule", `credreport-${what}-protection-changed`],
    ["aws:cloudwatch/eventTarget:EventTarget", `credreport-${what}-protection-changed-notice`],
  ]);
}

describe("OrgCredentialReports", () => {
  for (const stack of Object.keys(URNS_BEFORE)) {
    it(`keeps every resource of a stack made before it, by URN or alias: ${stack}`, async () => {
      const { resources } = await runStack(stack);
      const before = URNS_BEFORE[stack].map(engineUrn);

      for (const urn of before) {
        const matches = resources.filter((r) => knownUrns(r, resources).has(urn));
        expect(matches.map((r) => r.urn), urn).to.have.length(1);
      }
      const added = resources.filter((r) => !before.some((urn) => knownUrns(r, resources).has(urn)));
      // The component itself; 0.4.0's state machine permissions for its own child executions (they
      // name its ARN), and its history tables and queries across runs.
      const added04 = [
        ["aws:iam/rolePolicy:RolePolicy", "credreport-state-machine-batches-policy"],
        ["aws:glue/catalogTable:CatalogTable", "queries-runs-table"],
        ["aws:glue/catalogTable:CatalogTable", "queries-findings-history-table"],
        ...historyQueries().map((q) => ["aws:athena/namedQuery:NamedQuery", `queries-${q.name}`]),
        // 0.5.0: what hears of runs that end badly or never come, and the notices' own key.
        ["aws:kms/key:Key", "notifications-key"],
        ["aws:sqs/queue:Queue", "credreport-schedule-dead-letters"],
        ["aws:sqs/queuePolicy:QueuePolicy", "credreport-schedule-dead-letters-policy"],
        ["aws:cloudwatch/eventRule:EventRule", "credreport-run-ended-badly"],
        ["aws:cloudwatch/eventTarget:EventTarget", "credreport-run-ended-badly-notice"],
        ["aws:cloudwatch/metricAlarm:MetricAlarm", "credreport-schedule-start-failed"],
        ["aws:cloudwatch/metricAlarm:MetricAlarm", "credreport-no-run-succeeded"],
        // and what hears of a change to the protections of a bucket in this account, and of its key when there is one.
        ...(STACKS[stack].existingBucket === "true" || STACKS[stack].storageAccount ? [] : evidenceWatch(STACKS[stack].kmsKey ?? "none")),
        // The findings history of runs before 0.5.0, JSON lines, beside the Parquet one.
        ["aws:glue/catalogTable:CatalogTable", "queries-findings-history-json-table"],
        // The report bucket's lifecycle, now always there: it drops uploads that never completed.
        ...(STACKS[stack].existingBucket === "true" || STACKS[stack].reportRetentionDays ? [] : [["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "reports-retention"]]),
      ];
      expect(added.map((r) => [r.type, r.urn?.split("::").pop()])).to.have.deep.members([["credreport:index:OrgCredentialReports", "credreport"], ...added04]);
      expect(resources.length).to.equal(before.length + 1 + added04.length);
    });
  }

  it("makes the same resources from its arguments as the program does from the same stack config", async () => {
    const config = STACKS["new bucket, new key, email"];
    const fromConfig = await runStack("new bucket, new key, email");
    const embedded = await runOwnProgram(() => new OrgCredentialReports("credreport", argsFromConfigText(config)));

    expect(resourceShapes(embedded.resources)).to.deep.equal(resourceShapes(fromConfig.resources));
  });

  it("names every problem of its arguments in one error, as arguments", async () => {
    let error: Error | undefined;
    await runOwnProgram(() => {
      try {
        new OrgCredentialReports("org-reports", { maxConcurrency: 0, memberRoleName: "bad role", tags: { "aws:team": "x" }, kmsKey: "old" });
      } catch (err) {
        error = err as Error;
      }
    });

    expect(error?.message).to.equal(
      [
        "Invalid configuration (4 problems):",
        '  - kmsKey must be "none", "new" or a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<key id>), got "old"',
        "  - maxConcurrency must be a whole number from 1 to 1000, got 0",
        '  - memberRoleName must be an IAM role name (1-64 letters, digits and +=,.@_-), got "bad role"',
        '  - tags must be tags with names of 1-128 characters not starting with "aws:" and text values up to 256 characters, got {"aws:team":"x"}',
        'Fix the arguments of OrgCredentialReports "org-reports".',
      ].join("\n"),
    );
  });

  it("can be made twice in one program: every part of an instance is named after it", async () => {
    const { resources } = await runOwnProgram(() => [
      new OrgCredentialReports("prod-org", { ...ORG }),
      new OrgCredentialReports("sandbox-org", { ...ORG, bucketName: "sandbox-org-credential-reports" }),
    ]);
    const urns = resources.map((r) => r.urn);

    expect(new Set(urns).size).to.equal(urns.length);
    expect(resources.filter((r) => r.type === "aws:s3/bucket:Bucket").map((r) => r.name)).to.have.members([
      "prod-org-reports-bucket",
      "sandbox-org-reports-bucket",
      "prod-org-map-files-bucket",
      "sandbox-org-map-files-bucket",
    ]);
  });

  describe("from a delegated administrator account, with managementAccountRole", () => {
    const run = () => runStack("delegated administrator");

    it("makes the member role in the management account through a provider that assumes that role", async () => {
      const cloud = await run();
      const provider = one(cloud, "pulumi:providers:aws", "management-account");
      const role = one(cloud, "aws:iam/role:Role", "member-role-management-account");
      const policy = one(cloud, "aws:iam/rolePolicy:RolePolicy", "member-role-management-account-policy");

      // Provider inputs reach the engine as JSON text.
      expect(JSON.parse(provider.inputs.assumeRoles)).to.deep.equal([{ roleArn: MANAGEMENT_ROLE, sessionName: "credreport-pulumi" }]);
      expect(role.provider?.split("::").slice(0, 4).join("::")).to.equal(provider.urn);
      expect(policy.provider).to.equal(role.provider);
      expect(role.inputs.name).to.equal("audit-credential-report");
    });

    it("gives it the StackSet role's trust and permissions, exactly", async () => {
      const cloud = await run();
      const collector = one(cloud, "aws:iam/role:Role", "credreport-collect-report");
      const template = JSON.parse(one(cloud, "aws:cloudformation/stackSet:StackSet").inputs.templateBody);
      const templateRole = template.Resources.CredentialReportRole.Properties;
      const role = one(cloud, "aws:iam/role:Role", "member-role-management-account");
      const policy = one(cloud, "aws:iam/rolePolicy:RolePolicy", "member-role-management-account-policy");

      expect(JSON.parse(role.inputs.assumeRolePolicy)).to.deep.equal(templateRole.AssumeRolePolicyDocument);
      expect(JSON.parse(role.inputs.assumeRolePolicy)).to.deep.equal(memberRoleTrust({ collectorRoleArn: `arn:aws:iam::123456789012:role/${collector.name}` }));
      expect(JSON.parse(policy.inputs.policy)).to.deep.equal(templateRole.Policies[0].PolicyDocument);
      expect(JSON.parse(policy.inputs.policy)).to.deep.equal(memberRolePolicy());
    });

    it("with Security Hub on, lets its role trust Summarize and import only the management account's own findings", async () => {
      const cloud = await runProgram({ ...STACKS["delegated administrator"], securityHub: "true" });
      const summarize = one(cloud, "aws:iam/role:Role", "credreport-summarize");
      const collector = one(cloud, "aws:iam/role:Role", "credreport-collect-report");
      const role = one(cloud, "aws:iam/role:Role", "member-role-management-account");
      const policy = one(cloud, "aws:iam/rolePolicy:RolePolicy", "member-role-management-account-policy");

      expect(JSON.parse(role.inputs.assumeRolePolicy)).to.deep.equal(
        memberRoleTrust({ collectorRoleArn: `arn:aws:iam::123456789012:role/${collector.name}`, securityHubImporterRoleArn: `arn:aws:iam::123456789012:role/${summarize.name}` }),
      );
      expect(JSON.parse(policy.inputs.policy)).to.deep.equal(memberRolePolicy({ partition: "aws", region: REGION, accountId: MANAGEMENT_ACCOUNT }));
      const allowed = JSON.parse(policy.inputs.policy).Statement.filter((s: { Effect: string }) => s.Effect === "Allow");
      expect(allowed.map((s: { Resource: unknown; Condition?: unknown }) => [s.Resource, s.Condition])).to.deep.equal([
        ["*", undefined],
        ["*", undefined],
        [`arn:aws:securityhub:${REGION}:${MANAGEMENT_ACCOUNT}:product/${MANAGEMENT_ACCOUNT}/default`, { StringEquals: { "securityhub:TargetAccount": MANAGEMENT_ACCOUNT } }],
      ]);
    });

    it("makes no role outside the StackSet without it", async () => {
      const { resources } = await runStack("new bucket, new key, email");

      expect(resources.filter((r) => r.name.includes("management-account"))).to.deep.equal([]);
    });
  });
});
