import { DEFAULT_THRESHOLDS } from "../../functions/analysis/findings";
import type * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { CredentialReportStateMachine } from "../../components/credential-report-state-machine";
import { CrossAccountRoleStackSet } from "../../components/cross-account-role-stack-set";
import { Notifier } from "../../components/notifier";
import { PipelineRoles } from "../../components/pipeline-roles";
import { ReportBucket } from "../../components/report-bucket";
import { ReportQueries } from "../../components/queries/report-queries";
import { CREDENTIAL_REPORT_COLUMNS } from "../../functions/analysis/credential-report";
import { buildDefinition } from "../../functions/pipeline/state-machine-definition";
import { failureOf, inStack, mockCloud, type MockCloud, one, ofType, PIPELINE_ACCOUNT, REGION, settled, some, valueOf } from "../helpers/pulumi/mock-cloud";
import { rolePolicy, statement, statementsOf } from "../helpers/pulumi/recorded-policies";
import { glueTableProblems } from "../helpers/glue-table-rules";
import { historyQueries } from "../../components/queries/athena-queries";
import { TrinoSQL } from "dt-sql-parser";

const COLLECTOR = `arn:aws:iam::${PIPELINE_ACCOUNT}:role/collector`;
const SUMMARIZE = `arn:aws:iam::${PIPELINE_ACCOUNT}:role/summarize`;
const LIST_ACCOUNTS = `arn:aws:iam::${PIPELINE_ACCOUNT}:role/list-accounts`;
const STATE_MACHINE = `arn:aws:iam::${PIPELINE_ACCOUNT}:role/state-machine`;

/**
 * Creates components under fresh mocks and waits until every resource has reached them; `ready`
 * names an output that resolves only after the slow parts (bundling the functions).
 */
async function build<T>(create: () => T, ready?: (built: T) => pulumi.Output<unknown>): Promise<{ cloud: MockCloud; built: T }> {
  const cloud = await mockCloud({});
  let built: T | undefined;
  await inStack(cloud, () => (built = create()));
  if (ready) await valueOf(ready(built as T));
  await settled(cloud);
  return { cloud, built: built as T };
}

/** The error a component throws while it is built. */
async function buildError(create: () => unknown): Promise<string> {
  try {
    await build(create);
  } catch (error) {
    return (error as Error).message;
  }
  return "no error";
}

describe("components", function () {
  this.timeout(30_000);

  describe("PipelineRoles", () => {
    it("trusts this account's Lambda for the functions and this account's Step Functions for the state machine", async () => {
      const { cloud } = await build(() => new PipelineRoles("p", { tags: { team: "security" } }));
      const trust = (name: string) => statementsOf(one(cloud, "aws:iam/role:Role", name), "assumeRolePolicy");
      for (const fn of ["collect-report", "list-accounts", "summarize"]) {
        expect(trust(`p-${fn}`)).to.deep.equal([
          {
            Sid: "TrustLambdaOfThisAccount",
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": PIPELINE_ACCOUNT } },
          },
        ]);
      }
      expect(trust("p-state-machine")).to.deep.equal([
        {
          Sid: "TrustStepFunctionsOfThisAccount",
          Effect: "Allow",
          Principal: { Service: "states.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": PIPELINE_ACCOUNT } },
        },
      ]);
      // Roles only: their permissions come later, once the bucket, key and topic exist.
      expect(ofType(cloud, "aws:iam/rolePolicy:RolePolicy")).to.deep.equal([]);
    });
  });

  describe("ReportBucket", () => {
    const writers = { collectorRoleArn: COLLECTOR, summarizeRoleArn: SUMMARIZE, listAccountsRoleArn: LIST_ACCOUNTS, reportsPrefix: "credential-reports/" };

    it("uses the given name exactly, or a generated one", async () => {
      const named = await build(() => new ReportBucket("r", { ...writers, bucketName: "acme-evidence" }));
      expect(one(named.cloud, "aws:s3/bucket:Bucket").inputs).to.include({ bucket: "acme-evidence" });
      const generated = await build(() => new ReportBucket("r", writers));
      expect(one(generated.cloud, "aws:s3/bucket:Bucket").inputs).to.include({ bucketPrefix: "credential-reports-" });
      expect(await valueOf(generated.built.kmsKeyArn)).to.equal(undefined);
    });

    it("lets the pipeline's writers list only the reports prefix", async () => {
      const { cloud } = await build(() => new ReportBucket("r", { ...writers, bucketName: "acme-evidence" }));
      const list = statement(statementsOf(one(cloud, "aws:s3/bucketPolicy:BucketPolicy")), "AllowPipelineToListRunFiles");
      expect(list).to.deep.include({
        Principal: { AWS: [writers.collectorRoleArn, writers.summarizeRoleArn, writers.listAccountsRoleArn] },
        Action: "s3:ListBucket",
        Resource: "arn:aws:s3:::acme-evidence",
        Condition: { StringLike: { "s3:prefix": "credential-reports/*" } },
      });
    });

    it("makes S3 itself refuse any PUT under the reports prefix that is not only-if-absent", async () => {
      const { cloud } = await build(() => new ReportBucket("r", { ...writers, bucketName: "acme-evidence" }));
      expect(statement(statementsOf(one(cloud, "aws:s3/bucketPolicy:BucketPolicy")), "DenyPutUnlessAbsent")).to.deep.equal({
        Sid: "DenyPutUnlessAbsent",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: "arn:aws:s3:::acme-evidence/credential-reports/*",
        // A multipart upload's parts create nothing and take no If-None-Match; its completion does.
        Condition: { Null: { "s3:if-none-match": "true" }, BoolIfExists: { "s3:ObjectCreationOperation": "true" } },
      });
    });

    it("passes an existing bucket and key through without creating anything", async () => {
      const key = "arn:aws:kms:eu-west-1:123456789012:key/abcd";
      const { cloud, built } = await build(
        () => new ReportBucket("r", { ...writers, existingBucket: true, bucketName: "theirs", kmsKey: { kind: "existing", arn: key } }),
      );
      expect(cloud.resources.map((r) => r.type)).to.deep.equal(["credreport:index:ReportBucket"]);
      expect(await valueOf(built.bucketArn)).to.equal("arn:aws:s3:::theirs");
      expect(await valueOf(built.kmsKeyArn)).to.equal(key);
      expect(await valueOf(built.region)).to.equal(REGION);
    });

    it("refuses an existing bucket in another region than the stack, naming both and the fix", async () => {
      const { built } = await build(() => new ReportBucket("r", { ...writers, existingBucket: true, bucketName: "acme-evidence-oregon" }));
      // The check runs on the looked-up region, so it fails every output that depends on it.
      const message =
        'ReportBucket: the existing bucket "acme-evidence-oregon" is in us-west-2, but the stack deploys to eu-west-1; ' +
        "deploy the stack in us-west-2 (pulumi config set aws:region us-west-2) or use a bucket in eu-west-1";
      expect(await failureOf(built.region)).to.contain(message);
      expect(await failureOf(built.bucketName)).to.contain(message);
    });

    it("encrypts a new bucket with an existing key, leaving the key itself alone", async () => {
      const key = "arn:aws:kms:eu-west-1:123456789012:key/abcd";
      const { cloud, built } = await build(() => new ReportBucket("r", { ...writers, kmsKey: { kind: "existing", arn: key } }));
      expect(ofType(cloud, "aws:kms/key:Key")).to.deep.equal([]);
      expect(one(cloud, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs.rules).to.deep.equal([
        { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key }, bucketKeyEnabled: true },
      ]);
      expect(await valueOf(built.kmsKeyArn)).to.equal(key);
    });

    it("refuses a new key for an existing bucket, and an existing bucket without a name", async () => {
      expect(await buildError(() => new ReportBucket("r", { ...writers, existingBucket: true, bucketName: "theirs", kmsKey: { kind: "new" } }))).to.equal(
        'ReportBucket: kmsKey "new" needs a new bucket; give the existing bucket\'s key ARN or "none"',
      );
      expect(await buildError(() => new ReportBucket("r", { ...writers, existingBucket: true }))).to.equal(
        "ReportBucket: bucketName is required with existingBucket: true (the bucket to use)",
      );
    });
  });

  describe("Notifier", () => {
    it("lets the given roles, EventBridge and this account's alarms publish, over TLS, under a key of its own, and subscribes nobody by default", async () => {
      const { cloud, built } = await build(() => new Notifier("n", { publisherRoleArns: [STATE_MACHINE, SUMMARIZE] }));
      const topicArn = await valueOf(built.topicArn);
      const statements = statementsOf(one(cloud, "aws:sns/topicPolicy:TopicPolicy"));
      expect(statement(statements, "AllowPipelineToPublish")).to.deep.include({ Principal: { AWS: [STATE_MACHINE, SUMMARIZE] }, Action: "sns:Publish", Resource: topicArn });
      // EventBridge takes no condition in a topic policy; CloudWatch is held to this account's alarms.
      expect(statement(statements, "AllowEventBridgeToPublish")).to.deep.include({ Principal: { Service: "events.amazonaws.com" }, Action: "sns:Publish", Resource: topicArn });
      expect(statement(statements, "AllowEventBridgeToPublish").Condition).to.equal(undefined);
      expect(statement(statements, "AllowCloudWatchAlarmsToPublish")).to.deep.include({
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Condition: { ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:${REGION}:${PIPELINE_ACCOUNT}:alarm:*` }, StringEquals: { "aws:SourceAccount": PIPELINE_ACCOUNT } },
      });
      expect(statement(statements, "DenyPublishByAnyoneElse")).to.deep.include({
        Effect: "Deny",
        Principal: "*",
        Condition: { ArnNotEquals: { "aws:PrincipalArn": [STATE_MACHINE, SUMMARIZE] }, Bool: { "aws:PrincipalIsAWSService": "false" } },
      });
      expect(statement(statements, "DenyInsecureTransport").Condition).to.deep.equal({ Bool: { "aws:SecureTransport": "false" } });
      const key = one(cloud, "aws:kms/key:Key");
      expect(one(cloud, "aws:sns/topic:Topic").inputs.kmsMasterKeyId).to.equal(`arn:aws:kms:${REGION}:${PIPELINE_ACCOUNT}:key/n-key`);
      expect(key.inputs.enableKeyRotation).to.equal(true);
      const keyStatements = statementsOf(key);
      expect(statement(keyStatements, "AllowPublishersThroughSns")).to.deep.include({
        Principal: { AWS: [STATE_MACHINE, SUMMARIZE] },
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Condition: { StringEquals: { "kms:ViaService": `sns.${REGION}.amazonaws.com` } },
      });
      expect(statement(keyStatements, "AllowNotifyingServices").Principal).to.deep.equal({ Service: ["events.amazonaws.com", "cloudwatch.amazonaws.com"] });
      expect(ofType(cloud, "aws:sns/topicSubscription:TopicSubscription")).to.deep.equal([]);
    });

    it("subscribes each address once, and refuses one address written twice", async () => {
      const { cloud } = await build(() => new Notifier("n", { publisherRoleArns: [SUMMARIZE], notificationEmails: ["Sec@Example.com", "audit@example.com"] }));
      const subscriptions = ofType(cloud, "aws:sns/topicSubscription:TopicSubscription");
      expect(subscriptions.map((s) => [s.name, s.inputs.endpoint])).to.deep.equal([
        ["n-email-sec@example.com", "Sec@Example.com"],
        ["n-email-audit@example.com", "audit@example.com"],
      ]);
      // No filter policy: the run summaries, alarms and EventBridge notices carry no attributes, and SNS matches no filter against none.
      for (const subscription of subscriptions) expect(subscription.inputs.filterPolicy).to.equal(undefined);
      expect(await buildError(() => new Notifier("n", { publisherRoleArns: [SUMMARIZE], notificationEmails: ["Sec@Example.com", "sec@example.com"] }))).to.equal(
        'Notifier: notificationEmails must list each address once (letter case aside), got "Sec@Example.com" and "sec@example.com"',
      );
    });
  });

  describe("CrossAccountRoleStackSet", () => {
    it("defaults to SELF with soft failure tolerance on the instances, and passes DELEGATED_ADMIN to the StackSet and its instances", async () => {
      const args = { memberRoleName: "m", collectorRoleArn: COLLECTOR, targetOuIds: ["r-ab12"], region: REGION };
      const self = await build(() => new CrossAccountRoleStackSet("s", args));
      const preferences = { failureTolerancePercentage: 10, maxConcurrentPercentage: 25 };
      // concurrencyMode exists only in the instances' preferences type.
      expect(one(self.cloud, "aws:cloudformation/stackSet:StackSet").inputs).to.deep.include({ callAs: "SELF", operationPreferences: preferences });
      expect(one(self.cloud, "aws:cloudformation/stackSetInstance:StackSetInstance").inputs).to.deep.include({
        callAs: "SELF",
        operationPreferences: { ...preferences, concurrencyMode: "SOFT_FAILURE_TOLERANCE" },
      });

      const delegated = await build(
        () => new CrossAccountRoleStackSet("s", { ...args, callAs: "DELEGATED_ADMIN", failureTolerancePercentage: 0, maxConcurrentPercentage: 100 }),
      );
      expect(one(delegated.cloud, "aws:cloudformation/stackSet:StackSet").inputs).to.deep.include({
        callAs: "DELEGATED_ADMIN",
        operationPreferences: { failureTolerancePercentage: 0, maxConcurrentPercentage: 100 },
      });
      expect(one(delegated.cloud, "aws:cloudformation/stackSetInstance:StackSetInstance").inputs).to.deep.include({
        callAs: "DELEGATED_ADMIN",
        operationPreferences: { failureTolerancePercentage: 0, maxConcurrentPercentage: 100, concurrencyMode: "SOFT_FAILURE_TOLERANCE" },
      });
    });
  });

  describe("ReportQueries", () => {
    it("projects date and run partitions over the bucket's reports and findings, without a crawler", async () => {
      const { cloud, built } = await build(() => new ReportQueries("q", { bucketName: "acme-evidence", tags: { team: "security" } }));
      expect(await valueOf(built.databaseName)).to.equal("credential_reports");
      expect(one(cloud, "aws:glue/catalogDatabase:CatalogDatabase").inputs.tags).to.deep.equal({ team: "security" });
      const tables = ofType(cloud, "aws:glue/catalogTable:CatalogTable");
      expect(tables.map((t) => t.inputs.name)).to.have.members([
        "credential_reports",
        "credential_report_findings",
        "credential_report_runs",
        "credential_report_findings_history",
        "credential_report_findings_history_json",
      ]);
      // Each table as AWS documents Glue tables, Athena's names and types, and partition projection.
      for (const table of tables) expect(glueTableProblems(table.inputs as never), table.inputs.name).to.deep.equal([]);
      const folders: Record<string, string> = { credential_report_runs: "runs", credential_report_findings_history: "findings-parquet", credential_report_findings_history_json: "findings" };
      for (const table of tables.filter((t) => t.inputs.name in folders)) {
        // Kept across runs: the day alone is projected, so one query reads many runs.
        expect(table.inputs.partitionKeys.map((k: { name: string }) => k.name)).to.deep.equal(["date"]);
        const folder = folders[table.inputs.name];
        expect(table.inputs.parameters["storage.location.template"]).to.equal(`s3://acme-evidence/credential-reports/history/${folder}/date=\${date}/`);
        expect(table.inputs.parameters).to.not.have.property("projection.run.type");
      }
      // The findings history is Parquet; the rest, and the history of runs before 0.5.0, are text.
      const parquet = one(cloud, "aws:glue/catalogTable:CatalogTable", "q-findings-history-table").inputs.storageDescriptor;
      expect([parquet.inputFormat, parquet.serDeInfo.serializationLibrary]).to.deep.equal(["org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat", "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"]);
      for (const table of tables.filter((t) => !(t.inputs.name in folders))) {
        expect(table.inputs.partitionKeys.map((k: { name: string }) => k.name)).to.deep.equal(["date", "run"]);
        expect(table.inputs.parameters).to.deep.include({
          "projection.enabled": "true",
          "projection.date.type": "date",
          "projection.date.format": "yyyy-MM-dd",
          "projection.run.type": "injected",
          "storage.location.template": "s3://acme-evidence/credential-reports/date=${date}/run=${run}/",
        });
        expect(table.inputs.storageDescriptor.location).to.equal("s3://acme-evidence/credential-reports/");
      }
      const reports = tables.find((t) => t.inputs.name === "credential_reports")!;
      const findings = tables.find((t) => t.inputs.name === "credential_report_findings")!;
      expect(reports.inputs.storageDescriptor.columns.map((c: { name: string }) => c.name)).to.deep.equal([...CREDENTIAL_REPORT_COLUMNS]);
      expect(reports.inputs.storageDescriptor.serDeInfo.serializationLibrary).to.equal("org.apache.hadoop.hive.serde2.OpenCSVSerde");
      expect(reports.inputs.parameters["skip.header.line.count"]).to.equal("1");
      expect(findings.inputs.storageDescriptor.serDeInfo.serializationLibrary).to.equal("org.openx.data.jsonserde.JsonSerDe");
      expect(ofType(cloud, "aws:glue/crawler:Crawler")).to.deep.equal([]);
    });

    it("saves the common questions as named queries, each asking for the run's date and id", async () => {
      const { cloud } = await build(() => new ReportQueries("q", { bucketName: "b", workgroup: "security", findingThresholds: { ...DEFAULT_THRESHOLDS, maxKeyAgeDays: 60, unusedDays: 30 } }));
      const queries = ofType(cloud, "aws:athena/namedQuery:NamedQuery");
      const named = (name: string) => queries.find((q) => q.inputs.name === name)!.inputs.query as string;
      expect(queries.map((q) => q.inputs.name)).to.have.members([
        "console-users-without-mfa",
        "old-access-keys",
        "unused-credentials",
        "root-user-activity",
        "open-findings-by-check-per-day",
        "accounts-whose-findings-grew",
        "keys-old-in-each-of-the-last-3-runs",
        "time-to-resolve-by-check",
      ]);
      // Every saved query is Trino SQL, as Athena engine 3 reads it (the grammar of dt-sql-parser's TrinoSQL).
      const trino = new TrinoSQL();
      for (const q of queries) expect(trino.validate(q.inputs.query).map((e) => e.message), q.inputs.name).to.deep.equal([]);
      expect(trino.validate("SELECT FROM WHERE")).to.not.deep.equal([]);
      for (const q of queries.filter((q) => !historyQueries().some((h) => h.name === q.inputs.name))) {
        expect(q.inputs).to.deep.include({ database: "credential_reports", workgroup: "security" });
        expect(q.inputs.query.match(/\?/g), q.inputs.name).to.have.length(2);
        expect(q.inputs.query).to.match(/"date" = \? AND run = \?/);
        expect(q.inputs.query).to.match(/"\$path"/);
      }
      expect(named("console-users-without-mfa")).to.contain("password_enabled = 'true' AND mfa_active = 'false'");
      // The lines are the stack's thresholds, drawn by Summarize's findings, not CIS's defaults.
      expect(named("old-access-keys")).to.contain("check_id = 'access-key-old'");
      expect(queries.find((q) => q.inputs.name === "old-access-keys")!.inputs.description).to.match(/more than 60 whole days/);
      expect(queries.find((q) => q.inputs.name === "unused-credentials")!.inputs.description).to.match(/unused for 30 days or more/);
      expect(named("unused-credentials")).to.contain("check_id = 'credential-unused'");
      expect(named("root-user-activity")).to.contain(`"user" = '<root_account>'`);
    });
  });

  describe("CredentialReportStateMachine", () => {
    const settings = { maxConcurrency: 5, accountsPerBatch: 30, maxPollAttempts: 20, pollIntervalSeconds: 30, runTimeoutMinutes: 120 };
    const MAP_BUCKET = "credreport-map-files-20261125";
    const role = (name: string) => ({ name, arn: `arn:aws:iam::${PIPELINE_ACCOUNT}:role/${name}` });
    const create = () =>
      new CredentialReportStateMachine("c", {
        roles: { collector: role("collector"), listAccounts: role("lister"), summarize: role("summarize"), stateMachine: role("state-machine") },
        bucketName: "acme-evidence",
        bucketArn: "arn:aws:s3:::acme-evidence",
        kmsKeyArn: undefined,
        bucketRegion: REGION,
        reportsPrefix: "credential-reports/",
        topicArn: `arn:aws:sns:${REGION}:${PIPELINE_ACCOUNT}:t`,
        memberRoleName: "member",
        organizationId: "o-exampleorg1",
        settings,
        logRetentionDays: 30,
        scheduleExpression: "rate(1 day)",
      });

    it("deploys the builder's definition with the given settings", async () => {
      const { cloud, built } = await build(create, (c) => c.stateMachineArn);
      const arn = (fn: string) => `arn:aws:lambda:${REGION}:${PIPELINE_ACCOUNT}:function:c-${fn}`;
      const expected = buildDefinition(
        {
          listAccountsArn: arn("list-accounts"),
          collectReportArn: arn("collect-report"),
          summarizeArn: arn("summarize"),
          topicArn: `arn:aws:sns:${REGION}:${PIPELINE_ACCOUNT}:t`,
          mapBucket: MAP_BUCKET,
        },
        settings,
      );
      expect(JSON.parse(one(cloud, "aws:sfn/stateMachine:StateMachine").inputs.definition)).to.deep.equal(expected);
      expect(JSON.parse(await valueOf(built.definition))).to.deep.equal(expected);
      expect(await valueOf(built.mapBucketName)).to.equal(MAP_BUCKET);
    });

    it("keeps the Distributed Map's files in a private, encrypted, TLS-only bucket of its own that expires them", async () => {
      const { cloud } = await build(create, (c) => c.stateMachineArn);
      const bucket = one(cloud, "aws:s3/bucket:Bucket", "map-files-bucket");
      expect(bucket.inputs).to.deep.include({ bucketPrefix: "credreport-map-files-", forceDestroy: true });
      expect(one(cloud, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "map-files-public-access-block").inputs).to.deep.include({
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      expect(one(cloud, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "map-files-encryption").inputs.rules).to.deep.equal([
        { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ]);
      expect(one(cloud, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "map-files-retention").inputs.rules).to.deep.equal([
        { id: "expire-map-files", status: "Enabled", filter: { prefix: "map-runs/" }, expiration: { days: 30 } },
        { id: "expire-summarize-parts", status: "Enabled", filter: { prefix: "summarize-parts/" }, expiration: { days: 1 }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } },
      ]);
      expect(statement(statementsOf(one(cloud, "aws:s3/bucketPolicy:BucketPolicy", "map-files-policy")), "DenyInsecureTransport").Condition).to.deep.equal({
        Bool: { "aws:SecureTransport": "false" },
      });
    });

    it("gives each function only what it calls, and its own log group", async () => {
      const { cloud, built } = await build(create, (c) => c.stateMachineArn);
      const logStreams = (fn: string) => `arn:aws:logs:${REGION}:${PIPELINE_ACCOUNT}:log-group:/aws/lambda/c-${fn}-c-${fn}-logs:log-stream:*`;
      expect(rolePolicy(cloud, "list-accounts").map((s) => [s.Sid, s.Resource])).to.deep.equal([
        ["ReadOrganizationAccounts", "*"],
        ["WalkOrganizationalUnits", ["arn:aws:organizations::*:root/o-exampleorg1/r-*", "arn:aws:organizations::*:ou/o-exampleorg1/ou-*"]],
        ["ReadRunFiles", "arn:aws:s3:::acme-evidence/credential-reports/*"],
        ["StoreOwnRunFiles", ["arn:aws:s3:::acme-evidence/credential-reports/date=*/run=*/accounts.json"]],
        ["DenyPutUnlessAbsent", "arn:aws:s3:::acme-evidence/credential-reports/*"],
        ["ListRunFiles", "arn:aws:s3:::acme-evidence"],
        ["StoreMapInput", `arn:aws:s3:::${MAP_BUCKET}/map-runs/*`],
        ["WriteOwnLogs", logStreams("list-accounts")],
      ]);
      expect(statement(rolePolicy(cloud, "list-accounts"), "ReadOrganizationAccounts").Action).to.satisfy((actions: string[]) =>
        actions.every((a) => /^organizations:(Describe|List)/.test(a)),
      );
      expect(rolePolicy(cloud, "collect-report").map((s) => s.Sid)).to.deep.equal(["AssumeMemberRole", "ReadOwnAccountCredentialReport", "ReadAccountCredentialSettings", "ReadRunFiles", "StoreOwnRunFiles", "DenyPutUnlessAbsent", "ListRunFiles", "WriteOwnLogs"]);
      expect(statement(rolePolicy(cloud, "collect-report"), "WriteOwnLogs").Resource).to.equal(logStreams("collect-report"));
      expect(rolePolicy(cloud, "summarize").map((s) => s.Sid)).to.deep.equal(["ReadRunFiles", "StoreOwnRunFiles", "DenyPutUnlessAbsent", "ListRunFiles", "AbortOwnFileUploads", "StageCombinedParts", "ReadMapResults", "ListMapResults", "PublishRunSummary", "PutRunEvent", "WriteOwnLogs"]);
      // The run's event goes on this account's default bus, and nowhere else.
      expect(statement(rolePolicy(cloud, "summarize"), "PutRunEvent")).to.deep.include({
        Action: "events:PutEvents",
        Resource: `arn:aws:events:${REGION}:${PIPELINE_ACCOUNT}:event-bus/default`,
      });
      const machine = statementsOf(one(cloud, "aws:iam/rolePolicy:RolePolicy", "state-machine-policy"));
      const invoke = statement(machine, "InvokePipelineFunctions");
      expect(invoke.Resource).to.have.length(6);
      expect(invoke.Resource).to.include(`arn:aws:lambda:${REGION}:${PIPELINE_ACCOUNT}:function:c-collect-report`);
      // Its own child executions only, by the state machine's ARN, in a policy made after it.
      const batches = statementsOf(one(cloud, "aws:iam/rolePolicy:RolePolicy", "state-machine-batches-policy"));
      const stateMachineArn = await valueOf(built.stateMachineArn);
      expect(statement(batches, "StartBatchExecutions").Resource).to.equal(stateMachineArn);
      expect(statement(batches, "WatchBatchExecutions").Resource).to.equal(`${stateMachineArn.replace(":stateMachine:", ":execution:")}/*`);
      expect(machine.map((s) => s.Sid)).to.not.include("StartBatchExecutions");
      expect(statement(machine, "ReadAccountList").Resource).to.equal(`arn:aws:s3:::${MAP_BUCKET}/map-runs/*/accounts-to-collect.json`);
      expect(statement(machine, "WriteMapResults").Resource).to.equal(`arn:aws:s3:::${MAP_BUCKET}/map-runs/*`);
      for (const group of some(ofType(cloud, "aws:cloudwatch/logGroup:LogGroup"), "log group")) expect(group.inputs.retentionInDays).to.equal(30);
    });

    it("starts runs on the schedule through a role that may start only this state machine", async () => {
      const { cloud, built } = await build(create, (c) => c.stateMachineArn);
      const schedule = one(cloud, "aws:scheduler/schedule:Schedule").inputs;
      expect(schedule).to.deep.include({ scheduleExpression: "rate(1 day)", scheduleExpressionTimezone: "UTC", flexibleTimeWindow: { mode: "OFF" } });
      expect(schedule.target.roleArn).to.equal(`arn:aws:iam::${PIPELINE_ACCOUNT}:role/c-schedule-role`);
      const trust = statementsOf(one(cloud, "aws:iam/role:Role", "schedule-role"), "assumeRolePolicy");
      expect(trust[0]).to.deep.include({ Principal: { Service: "scheduler.amazonaws.com" }, Condition: { StringEquals: { "aws:SourceAccount": PIPELINE_ACCOUNT } } });
      expect(statement(statementsOf(one(cloud, "aws:iam/rolePolicy:RolePolicy", "schedule-policy")), "StartRun").Resource).to.equal(await valueOf(built.stateMachineArn));
    });
  });
});
