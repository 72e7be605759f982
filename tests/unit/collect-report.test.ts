import { createHash } from "node:crypto";
import { expect } from "chai";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { GenerateCredentialReportCommand, GetCredentialReportCommand, IAMClient } from "@aws-sdk/client-iam";
import { HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { collectReport, type CollectDeps } from "../../functions/collect-report/collect-report";
import type { CollectInput } from "../../functions/contracts";
import { silentLog } from "../../functions/log";
import { awsError } from "../helpers/aws-errors";

const REPORT = Buffer.from("user,arn\n<root_account>,arn:aws:iam::111122223333:root\na,b+c,arn:aws:iam::111122223333:user/a,b+c\n");
const SHA256 = createHash("sha256").update(REPORT).digest();
const KEY = "credential-reports/date=2026-11-24/run=run-1/account=111122223333.csv";

describe("CollectReport", () => {
  let sts: AwsClientStub<STSClient>;
  let iam: AwsClientStub<IAMClient>;
  let s3: AwsClientStub<S3Client>;
  const credentialsUsed: unknown[] = [];

  const deps: CollectDeps = {
    sts: new STSClient({}),
    s3: new S3Client({}),
    iamClient: (credentials) => {
      credentialsUsed.push(credentials);
      return new IAMClient({});
    },
    bucket: "reports",
    memberRoleName: "iam-credential-report-generation-role",
    ownAccountId: "999988887777",
    partition: "aws",
    log: silentLog,
  };

  const input = (attempts = 0, accountId = "111122223333"): CollectInput => ({
    account: { id: accountId, name: "workloads" },
    run: { id: "run-1", startedAt: "2026-11-24T08:00:00.000Z" },
    poll: { maxAttempts: 5, intervalSeconds: 10 },
    progress: { attempts },
  });

  // mockClient patches the client class itself: only while these tests run, so the
  // end-to-end tests get the real thing.
  before(() => {
    sts = mockClient(STSClient);
    iam = mockClient(IAMClient);
    s3 = mockClient(S3Client);
  });
  after(() => {
    sts.restore();
    iam.restore();
    s3.restore();
  });

  beforeEach(() => {
    for (const mock of [sts, iam, s3]) mock.reset();
    credentialsUsed.length = 0;
    sts.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: "ASIAEXAMPLE", SecretAccessKey: "secret", SessionToken: "token", Expiration: new Date() },
    });
    iam.on(GetCredentialReportCommand).resolves({ Content: REPORT, GeneratedTime: new Date("2026-11-24T08:00:05Z"), ReportFormat: "text/csv" });
    s3.on(PutObjectCommand).resolves({});
  });

  it("assumes the member role with a session named after the run, for the shortest time", async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: "STARTED" });

    await collectReport(input(), deps);

    expect(sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input)).to.deep.equal([
      {
        RoleArn: "arn:aws:iam::111122223333:role/iam-credential-report-generation-role",
        RoleSessionName: "credreport-run-1",
        DurationSeconds: 900,
      },
    ]);
    expect(credentialsUsed).to.deep.equal([{ accessKeyId: "ASIAEXAMPLE", secretAccessKey: "secret", sessionToken: "token" }]);
  });

  it("uses its own credentials in its own account", async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: "COMPLETE" });

    const progress = await collectReport(input(0, "999988887777"), deps);

    expect(progress).to.deep.equal({ status: "collected", attempts: 1 });
    expect(sts.commandCalls(AssumeRoleCommand)).to.have.length(0);
    expect(credentialsUsed).to.deep.equal([undefined]);
  });

  for (const state of ["STARTED", "INPROGRESS"] as const) {
    it(`returns pending with a growing wait while the report is ${state}`, async () => {
      iam.on(GenerateCredentialReportCommand).resolves({ State: state });

      const first = await collectReport(input(0), deps);
      const third = await collectReport(input(2), deps);

      expect(first).to.deep.equal({ status: "pending", attempts: 1, waitSeconds: 10 });
      expect(third).to.deep.equal({ status: "pending", attempts: 3, waitSeconds: 40 });
      expect(iam.commandCalls(GetCredentialReportCommand)).to.have.length(0);
      expect(s3.commandCalls(PutObjectCommand)).to.have.length(0);
    });
  }

  it("stores the bytes unchanged at the run's key, once, with checksum and report time", async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: "COMPLETE" });

    const progress = await collectReport(input(1), deps);

    expect(progress).to.deep.equal({ status: "collected", attempts: 2 });
    const [put] = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(put).to.deep.include({
      Bucket: "reports",
      Key: KEY,
      ContentType: "text/csv",
      ChecksumSHA256: SHA256.toString("base64"),
      IfNoneMatch: "*",
      Metadata: {
        "account-id": "111122223333",
        "run-id": "run-1",
        sha256: SHA256.toString("hex"),
        "report-generated-at": "2026-11-24T08:00:05.000Z",
      },
    });
    expect(Buffer.from(put.Body as Uint8Array).equals(REPORT)).to.equal(true);
  });

  for (const [code, status] of [["Throttling", 400], ["LimitExceeded", 409], ["ServiceFailure", 500]] as const) {
    it(`treats ${code} from IAM as pending`, async () => {
      iam.on(GenerateCredentialReportCommand).rejects(awsError(code, status));

      expect(await collectReport(input(0), deps)).to.deep.equal({ status: "pending", attempts: 1, waitSeconds: 10 });
    });
  }

  it("treats throttling of AssumeRole as pending", async () => {
    sts.on(AssumeRoleCommand).rejects(awsError("Throttling", 400));

    expect(await collectReport(input(0), deps)).to.deep.include({ status: "pending" });
  });

  it("treats a report that vanished between generate and get as pending", async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: "COMPLETE" });
    iam.on(GetCredentialReportCommand).rejects(awsError("ReportNotPresent", 410));

    expect(await collectReport(input(0), deps)).to.deep.include({ status: "pending" });
  });

  it("fails the account with AssumeRoleFailed and the AWS code when the role cannot be assumed", async () => {
    sts.on(AssumeRoleCommand).rejects(awsError("AccessDenied", 403, "User is not authorized to perform: sts:AssumeRole"));

    const error = await collectReport(input(0), deps).catch((err: Error) => err);

    expect(error).to.include({ name: "AssumeRoleFailed", code: "AccessDenied" });
    expect((error as Error).message).to.equal("AccessDenied: User is not authorized to perform: sts:AssumeRole");
    expect(iam.calls()).to.have.length(0);
  });

  it("fails the account with ReportUnavailable when IAM refuses the report", async () => {
    iam.on(GenerateCredentialReportCommand).rejects(awsError("AccessDenied", 403, "not allowed"));

    const error = await collectReport(input(0), deps).catch((err: Error) => err);

    expect(error).to.include({ name: "ReportUnavailable", code: "AccessDenied", message: "AccessDenied: not allowed" });
  });

  it("times out on the last attempt when the report never completes", async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: "INPROGRESS" });

    const pendingBefore = await collectReport(input(3), deps);
    const error = await collectReport(input(4), deps).catch((err: Error) => err);

    expect(pendingBefore).to.deep.include({ status: "pending", attempts: 4 });
    expect(error).to.include({ name: "ReportTimedOut" });
    expect((error as Error).message).to.equal("ReportTimedOut: report INPROGRESS; still not stored after 5 of 5 attempts");
  });

  it("fails the account with StoreFailed when S3 refuses the object", async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: "COMPLETE" });
    s3.on(PutObjectCommand).rejects(awsError("AccessDenied", 403, "Access Denied"));

    const error = await collectReport(input(0), deps).catch((err: Error) => err);

    expect(error).to.include({ name: "StoreFailed", code: "AccessDenied", message: `AccessDenied: ${KEY}: Access Denied` });
  });

  for (const [what, failure] of [
    ["SlowDown", () => awsError("SlowDown", 503, "Please reduce your request rate.")],
    ["a 500", () => awsError("InternalError", 500)],
    ["a dropped connection", () => Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })],
  ] as const) {
    it(`goes back to waiting, not failing, when storing meets ${what}`, async () => {
      iam.on(GenerateCredentialReportCommand).resolves({ State: "COMPLETE" });
      s3.on(PutObjectCommand).rejects(failure());

      expect(await collectReport(input(2), deps)).to.deep.include({ status: "pending", attempts: 3 });
    });
  }

  it("goes back to waiting when the key is taken and the stored checksum cannot be read for now", async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: "COMPLETE" });
    s3.on(PutObjectCommand).rejects(awsError("PreconditionFailed", 412));
    s3.on(HeadObjectCommand).rejects(awsError("ServiceUnavailable", 503));

    expect(await collectReport(input(0), deps)).to.deep.include({ status: "pending", attempts: 1 });
  });

  it("accepts an existing object with the same bytes as a retried call", async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: "COMPLETE" });
    s3.on(PutObjectCommand).rejects(awsError("PreconditionFailed", 412));
    s3.on(HeadObjectCommand).resolves({ Metadata: { sha256: SHA256.toString("hex") } });

    expect(await collectReport(input(0), deps)).to.deep.equal({ status: "collected", attempts: 1 });
  });

  it("never overwrites an existing object that holds other bytes", async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: "COMPLETE" });
    s3.on(PutObjectCommand).rejects(awsError("PreconditionFailed", 412));
    s3.on(HeadObjectCommand).resolves({ Metadata: { sha256: "0".repeat(64) } });

    const error = await collectReport(input(0), deps).catch((err: Error) => err);

    expect(error).to.include({ name: "StoreFailed", code: "PreconditionFailed" });
    expect((error as Error).message).to.equal(`PreconditionFailed: ${KEY} already holds a different report; it was not overwritten`);
    expect(s3.commandCalls(PutObjectCommand)).to.have.length(1);
  });

  it("rejects input that is not an iteration state", async () => {
    const error = await collectReport({ account: { id: "111122223333" } } as unknown as CollectInput, deps).catch((err: Error) => err);

    expect(error).to.include({ name: "InvalidInput" });
    expect(sts.calls()).to.have.length(0);
  });
});
