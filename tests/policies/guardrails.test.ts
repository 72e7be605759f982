import type { PolicyResource } from "@pulumi/policy";
import { unknownCheckingProxy, UnknownValueError } from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { guardrails } from "../../policies/guardrails";
import { policyResources, replacing, violations, withProps } from "../helpers/pulumi/policy-harness";
import { PIPELINE_ACCOUNT, some } from "../helpers/pulumi/mock-cloud";
import { runStack } from "../helpers/pulumi/program";
import { STACKS } from "../helpers/pulumi/stacks";

const TODAY = new Date("2026-11-25T12:00:00Z");
const POLICIES = guardrails(() => TODAY);
const policy = (name: string) => {
  const found = POLICIES.find((p) => p.name === name);
  if (!found) throw new Error(`no policy ${name}`);
  return [found];
};

const ofType = (type: string) => (r: PolicyResource) => r.type === type;
// The report bucket's own resources (the map files bucket keeps its settings in the tests below).
const ofReports = (type: string) => (r: PolicyResource) => r.type === type && r.name.startsWith("reports-");
const BUCKET = "aws:s3/bucket:Bucket";
const PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const FUNCTION = "aws:lambda/function:Function";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const STACK_SET = "aws:cloudformation/stackSet:StackSet";

/** A JSON-text input with its document changed. */
const editJson = (json: string, edit: (document: any) => void): string => {
  const document = JSON.parse(json);
  edit(document);
  return JSON.stringify(document);
};

/** The StackSet's template with the member role's trust statements replaced. */
const withTrust = (stackSet: PolicyResource, statements: object[]) =>
  withProps(stackSet, {
    templateBody: editJson(stackSet.props.templateBody, (t) => (t.Resources.CredentialReportRole.Properties.AssumeRolePolicyDocument.Statement = statements)),
  });

describe("guardrails policy pack", function () {
  this.timeout(60_000);
  const built: Record<string, PolicyResource[]> = {};
  let program: PolicyResource[];

  before(async () => {
    for (const stack of Object.keys(STACKS)) built[stack] = policyResources(await runStack(stack));
    program = built["new bucket, new key, email"];
  });

  describe("the program as built", () => {
    for (const stack of Object.keys(STACKS)) {
      it(`passes every policy: ${stack}`, async () => {
        expect(await violations(POLICIES, built[stack])).to.deep.equal([]);
      });
    }

    it("gives every policy something to check", () => {
      const count = (type: string) => program.filter(ofType(type)).length;
      // The report bucket and the map files bucket.
      expect(count(BUCKET)).to.equal(2);
      expect(count(PUBLIC_ACCESS_BLOCK) + count(ENCRYPTION) + count(BUCKET_POLICY)).to.equal(6);
      // The three functions', the state machine's, and its child executions'.
      expect(count(ROLE_POLICY)).to.equal(6);
      expect(count(FUNCTION)).to.equal(3);
      expect(count(LOG_GROUP)).to.equal(4);
      expect(count(STACK_SET)).to.equal(1);
      // Each bucket setting is tied to the bucket through the engine's record of where `bucket` came from.
      for (const bucket of some(program.filter(ofType(BUCKET)), "bucket")) {
        for (const type of [PUBLIC_ACCESS_BLOCK, ENCRYPTION, BUCKET_POLICY]) {
          const settings = program.filter(ofType(type)).filter((r) => r.propertyDependencies.bucket.some((d) => d.urn === bucket.urn));
          expect(settings, `${type} of ${bucket.name}`).to.have.length(1);
        }
      }
    });
  });

  describe("report-bucket-not-public", () => {
    it("fails a bucket without a public access block", async () => {
      const broken = program.filter((r) => !ofReports(PUBLIC_ACCESS_BLOCK)(r));
      expect(await violations(policy("report-bucket-not-public"), broken)).to.deep.equal([
        {
          policy: "report-bucket-not-public",
          resource: "reports-bucket",
          message: "bucket reports-bucket needs a BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets all true",
        },
      ]);
    });

    it("fails a block that lets public policies through, and a public ACL", async () => {
      let broken = replacing(program, ofReports(PUBLIC_ACCESS_BLOCK), (r) => withProps(r, { restrictPublicBuckets: false }));
      broken = replacing(broken, ofReports(BUCKET), (r) => withProps(r, { acl: "public-read" }));
      const found = await violations(policy("report-bucket-not-public"), broken);
      expect(found.map((v) => v.message)).to.deep.equal([
        "bucket reports-bucket needs a BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets all true",
        "bucket reports-bucket is made public by the public-read ACL",
      ]);
    });

    it("does not count a block made for another bucket", async () => {
      const other = { ...program.find(ofReports(BUCKET))!, urn: "urn:pulumi:test::p::aws:s3/bucket:Bucket::other", name: "other" };
      const found = await violations(policy("report-bucket-not-public"), [...program, other]);
      expect(found.map((v) => v.resource)).to.deep.equal(["other"]);
    });
  });

  describe("report-bucket-encrypted", () => {
    it("fails a bucket without default encryption, or with an algorithm S3 does not know", async () => {
      const expected = [
        {
          policy: "report-bucket-encrypted",
          resource: "reports-bucket",
          message: "bucket reports-bucket needs a BucketServerSideEncryptionConfiguration with sseAlgorithm AES256 or aws:kms or aws:kms:dsse",
        },
      ];
      expect(await violations(policy("report-bucket-encrypted"), program.filter((r) => !ofReports(ENCRYPTION)(r)))).to.deep.equal(expected);
      const unknownAlgorithm = replacing(program, ofReports(ENCRYPTION), (r) =>
        withProps(r, { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "none" } }] }),
      );
      expect(await violations(policy("report-bucket-encrypted"), unknownAlgorithm)).to.deep.equal(expected);
    });
  });

  describe("report-bucket-tls-only", () => {
    it("fails a bucket policy without the deny on insecure transport", async () => {
      const broken = replacing(program, ofReports(BUCKET_POLICY), (r) =>
        withProps(r, { policy: editJson(r.props.policy, (d) => (d.Statement = d.Statement.filter((s: any) => s.Sid !== "DenyInsecureTransport"))) }),
      );
      expect(await violations(policy("report-bucket-tls-only"), broken)).to.deep.equal([
        {
          policy: "report-bucket-tls-only",
          resource: "reports-bucket",
          message: 'bucket reports-bucket needs a bucket policy statement that denies s3:* on its objects to "*" when aws:SecureTransport is false',
        },
      ]);
    });

    it("fails a deny that covers the bucket but not its objects", async () => {
      const broken = replacing(program, ofReports(BUCKET_POLICY), (r) =>
        withProps(r, {
          policy: editJson(r.props.policy, (d) => {
            const deny = d.Statement.find((s: any) => s.Sid === "DenyInsecureTransport");
            deny.Resource = deny.Resource.filter((arn: string) => !arn.endsWith("/*"));
          }),
        }),
      );
      expect(await violations(policy("report-bucket-tls-only"), broken)).to.have.length(1);
    });
  });

  describe("no-wildcard-iam-actions", () => {
    it('fails a role policy statement that allows Action "*", and one in the StackSet template', async () => {
      let broken = replacing(
        program,
        (r) => r.type === ROLE_POLICY && r.name.endsWith("-summarize-policy"),
        (r) => withProps(r, { policy: editJson(r.props.policy, (d) => (d.Statement[0].Action = ["s3:GetObject", "*"])) }),
      );
      broken = replacing(broken, ofType(STACK_SET), (r) =>
        withProps(r, {
          templateBody: editJson(r.props.templateBody, (t) => (t.Resources.CredentialReportRole.Properties.Policies[0].PolicyDocument.Statement[0].Action = "*:*")),
        }),
      );
      const found = await violations(policy("no-wildcard-iam-actions"), broken);
      const summarizeSid = JSON.parse(program.find((r) => r.name.endsWith("-summarize-policy"))!.props.policy).Statement[0].Sid;
      expect(found).to.deep.equal([
        {
          policy: "no-wildcard-iam-actions",
          resource: "member-role-stack-set",
          message: 'CredentialReportRole credential-report: statement GenerateAndReadCredentialReport allows Action "*:*"; list the exact actions it needs in Action, with no * or ?',
        },
        {
          policy: "no-wildcard-iam-actions",
          resource: "credreport-summarize-policy",
          message: `policy: statement ${summarizeSid} allows Action "*"; list the exact actions it needs in Action, with no * or ?`,
        },
      ]);
    });

    it("fails a statement that allows every action of a service, or every action but some", async () => {
      let broken = replacing(
        program,
        (r) => r.type === ROLE_POLICY && r.name.endsWith("-summarize-policy"),
        (r) => withProps(r, { policy: editJson(r.props.policy, (d) => (d.Statement[0].Action = "s3:*")) }),
      );
      broken = replacing(
        broken,
        (r) => r.type === ROLE_POLICY && r.name.endsWith("-collect-report-policy"),
        (r) =>
          withProps(r, {
            policy: editJson(r.props.policy, (d) => {
              d.Statement[0].NotAction = "iam:*";
              delete d.Statement[0].Action;
            }),
          }),
      );
      const found = await violations(policy("no-wildcard-iam-actions"), broken);
      const sid = (name: string) => JSON.parse(program.find((r) => r.name.endsWith(name))!.props.policy).Statement[0].Sid;
      expect(found.map((v) => v.message)).to.have.members([
        `policy: statement ${sid("-summarize-policy")} allows Action "s3:*"; list the exact actions it needs in Action, with no * or ?`,
        `policy: statement ${sid("-collect-report-policy")} allows NotAction "iam:*" (every action but those); list the exact actions it needs in Action, with no * or ?`,
      ]);
    });

    it("fails partial wildcards: in the action name, in the service part, with ?, and in the StackSet template", async () => {
      const breakPolicy = (resources: PolicyResource[], name: string, action: string | string[]) =>
        replacing(
          resources,
          (r) => r.type === ROLE_POLICY && r.name.endsWith(name),
          (r) => withProps(r, { policy: editJson(r.props.policy, (d) => (d.Statement[0].Action = action)) }),
        );
      let broken = breakPolicy(program, "-summarize-policy", ["s3:GetObject", "s3:Put*"]);
      broken = breakPolicy(broken, "-collect-report-policy", "*:Get*");
      broken = breakPolicy(broken, "-list-accounts-policy", "s3:Get?bject");
      broken = replacing(broken, ofType(STACK_SET), (r) =>
        withProps(r, {
          templateBody: editJson(r.props.templateBody, (t) => (t.Resources.CredentialReportRole.Properties.Policies[0].PolicyDocument.Statement[0].Action = ["iam:*Policy*"])),
        }),
      );
      const found = await violations(policy("no-wildcard-iam-actions"), broken);
      const sid = (name: string) => JSON.parse(program.find((r) => r.name.endsWith(name))!.props.policy).Statement[0].Sid;
      const fix = "list the exact actions it needs in Action, with no * or ?";
      expect(found.map((v) => v.message)).to.have.members([
        `CredentialReportRole credential-report: statement GenerateAndReadCredentialReport allows Action "iam:*Policy*"; ${fix}`,
        `policy: statement ${sid("-summarize-policy")} allows Action "s3:Put*"; ${fix}`,
        `policy: statement ${sid("-collect-report-policy")} allows Action "*:Get*"; ${fix}`,
        `policy: statement ${sid("-list-accounts-policy")} allows Action "s3:Get?bject"; ${fix}`,
      ]);
    });

    it("lets the bucket policy's Deny use s3:DeleteObject*", async () => {
      const bucketPolicy = program.find(ofReports(BUCKET_POLICY))!;
      const deny = JSON.parse(bucketPolicy.props.policy).Statement.find((s: any) => s.Sid === "DenyDeletingRunFiles");
      expect(deny).to.include({ Effect: "Deny" });
      expect(deny.Action).to.include("s3:DeleteObject*");
      expect(await violations(policy("no-wildcard-iam-actions"), [bucketPolicy])).to.deep.equal([]);
    });

    it('lets a Deny statement use Action "*"', async () => {
      const denyAll = replacing(program, ofType(BUCKET_POLICY), (r) =>
        withProps(r, { policy: editJson(r.props.policy, (d) => (d.Statement.find((s: any) => s.Sid === "DenyInsecureTransport").Action = "*")) }),
      );
      expect(await violations(POLICIES, denyAll)).to.deep.equal([]);
    });
  });

  describe("lambda-runtime-supported", () => {
    it("fails a deprecated runtime", async () => {
      const broken = replacing(program, (r) => r.type === FUNCTION && r.name.endsWith("-collect-report"), (r) => withProps(r, { runtime: "nodejs20.x" }));
      const found = await violations(policy("lambda-runtime-supported"), broken);
      expect(found).to.deep.equal([
        {
          policy: "lambda-runtime-supported",
          resource: "credreport-collect-report",
          message:
            "runtime nodejs20.x is deprecated since 2026-04-30: move the function to a supported runtime (see https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html)",
        },
      ]);
    });

    it("fails the program's own runtime once it is deprecated", async () => {
      const runtime = program.find(ofType(FUNCTION))!.props.runtime;
      const later = guardrails(() => new Date("2030-01-01T00:00:00Z")).filter((p) => p.name === "lambda-runtime-supported");
      const found = await violations(later, program);
      expect(found.map((v) => v.message)).to.have.length(3).and.satisfy((messages: string[]) => messages.every((m) => m.startsWith(`runtime ${runtime} is deprecated`)));
    });

    it("lets a runtime newer than its table, and a container image, through", async () => {
      const newer = replacing(program, ofType(FUNCTION), (r) => withProps(r, { runtime: "nodejs26.x" }));
      const image = replacing(program, ofType(FUNCTION), (r) => withProps(r, { runtime: "nodejs16.x", packageType: "Image" }));
      expect(await violations(policy("lambda-runtime-supported"), newer)).to.deep.equal([]);
      expect(await violations(policy("lambda-runtime-supported"), image)).to.deep.equal([]);
    });
  });

  describe("log-group-retention", () => {
    it("fails a log group that never expires its events", async () => {
      const broken = replacing(program, (r) => r.type === LOG_GROUP && r.name.endsWith("-executions-logs"), (r) => withProps(r, { retentionInDays: undefined }));
      const zero = replacing(program, (r) => r.type === LOG_GROUP && r.name.endsWith("-summarize-logs"), (r) => withProps(r, { retentionInDays: 0 }));
      expect(await violations(policy("log-group-retention"), broken)).to.deep.equal([
        {
          policy: "log-group-retention",
          resource: "credreport-executions-logs",
          message: "log group keeps its events forever: set retentionInDays to one of CloudWatch Logs' periods (got null)",
        },
      ]);
      expect((await violations(policy("log-group-retention"), zero)).map((v) => v.resource)).to.deep.equal(["credreport-summarize-logs"]);
    });
  });

  describe("stackset-role-trusts-pipeline-roles", () => {
    const collector = (stackSet: PolicyResource) => JSON.parse(stackSet.props.templateBody).Resources.CredentialReportRole.Properties.AssumeRolePolicyDocument.Statement[0].Principal.AWS;
    const check = (resources: PolicyResource[]) => violations(policy("stackset-role-trusts-pipeline-roles"), resources);

    it("fails a member role that trusts an account, or roles of a second account", async () => {
      const trusting = (second: string) =>
        replacing(program, ofType(STACK_SET), (r) => withTrust(r, [{ Sid: "Trust", Effect: "Allow", Principal: { AWS: [collector(r), second] }, Action: "sts:AssumeRole" }]));
      expect(await check(trusting("arn:aws:iam::999999999999:root"))).to.deep.equal([
        {
          policy: "stackset-role-trusts-pipeline-roles",
          resource: "member-role-stack-set",
          message: `role CredentialReportRole trusts "arn:aws:iam::999999999999:root", not an IAM role ARN; it must trust only the pipeline's roles`,
        },
      ]);
      expect((await check(trusting("arn:aws:iam::999999999999:role/other"))).map((v) => v.message)).to.deep.equal([
        `role CredentialReportRole trusts roles of 2 accounts (${PIPELINE_ACCOUNT}, 999999999999); it must trust only the pipeline's roles, in one account`,
      ]);
      expect(await check(trusting(`arn:aws:iam::${PIPELINE_ACCOUNT}:role/credreport-summarize`))).to.deep.equal([]);
    });

    it("fails a member role that trusts anyone, directly or through NotPrincipal", async () => {
      for (const statement of [
        { Effect: "Allow", Principal: "*", Action: "sts:AssumeRole" },
        { Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" },
        { Effect: "Allow", NotPrincipal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "sts:AssumeRole" },
      ]) {
        const broken = replacing(program, ofType(STACK_SET), (r) => withTrust(r, [statement]));
        expect((await check(broken)).map((v) => v.message)).to.deep.equal(["role CredentialReportRole trusts any principal; it must trust only the pipeline's roles"]);
      }
    });

    it("reads a YAML template with CloudFormation's short tags", async () => {
      const yamlTemplate = [
        "Resources:",
        "  Role:",
        "    Type: AWS::IAM::Role",
        "    Properties:",
        "      AssumeRolePolicyDocument:",
        "        Statement:",
        "          - Effect: Allow",
        "            Principal: { AWS: [!Ref Collector, !Ref Other] }",
        "            Action: sts:AssumeRole",
      ].join("\n");
      const broken = replacing(program, ofType(STACK_SET), (r) => withProps(r, { templateBody: yamlTemplate }));
      expect((await check(broken)).map((v) => v.message)).to.deep.equal([`role Role trusts "Collector", "Other", not an IAM role ARN; it must trust only the pipeline's roles`]);
    });
  });

  describe("in a preview, before values are known", () => {
    /** A resource whose given inputs are still unknown (the engine's sentinel), wrapped as the policy server wraps props. */
    const unknownIn = (resource: PolicyResource, inputs: string[]) =>
      ({ ...resource, props: unknownCheckingProxy({ ...resource.props, ...Object.fromEntries(inputs.map((i) => [i, pulumi.runtime.unknownValue])) }) }) as PolicyResource;

    it("ties settings to a bucket whose name is not known yet", async () => {
      const preview = program.map((r) => ([PUBLIC_ACCESS_BLOCK, ENCRYPTION].includes(r.type) ? unknownIn(r, ["bucket"]) : r));
      expect(await violations(policy("report-bucket-not-public").concat(policy("report-bucket-encrypted")), preview)).to.deep.equal([]);
    });

    it("does not pass a bucket policy it cannot read yet: it says so instead", async () => {
      const preview = replacing(program, ofType(BUCKET_POLICY), (r) => unknownIn(r, ["policy"]));
      let error: unknown;
      await violations(policy("report-bucket-tls-only"), preview).catch((e) => (error = e));
      expect(error).to.be.instanceOf(UnknownValueError);
    });
  });
});
