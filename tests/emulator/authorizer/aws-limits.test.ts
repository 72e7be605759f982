import { expect } from "chai";
import { LIMITS, limitRefusal } from "../../../emulator/authorizer/aws-limits";
import type { AwsCall } from "../../../emulator/authorizer/aws-requests";

/** A call as the layer reads it, with the parameters given. */
function call(service: string, operation: string, params: Record<string, unknown>, more: Partial<AwsCall> = {}): AwsCall {
  const body = Buffer.from(JSON.stringify(params));
  return { accessKeyId: "AKIATEST", service, region: "us-east-1", operation, params, headers: {}, body, ...more };
}
const refusal = (c: AwsCall) => limitRefusal(c)?.code;

describe("AWS's request limits, in the authorizing layer", () => {
  it("refuses an SNS subject of 100 characters or one with a line break, and a message over 256 KB, as SNS does", () => {
    const publish = (Subject: string, Message = "m") => call("sns", "Publish", { TopicArn: "arn:aws:sns:us-east-1:123456789012:t", Subject, Message });
    expect(refusal(publish("s".repeat(99)))).to.equal(undefined);
    expect(limitRefusal(publish("s".repeat(100)))).to.deep.equal({ status: 400, code: "InvalidParameter", message: "Invalid parameter: Subject must be less than 100 characters" });
    expect(refusal(publish("two\nlines"))).to.equal("InvalidParameter");
    expect(refusal(publish("s", "é".repeat(LIMITS.snsMessageBytes / 2)))).to.equal(undefined);
    expect(refusal(publish("s", `${"é".repeat(LIMITS.snsMessageBytes / 2)}x`))).to.equal("InvalidParameter");
  });

  it("counts an SNS message's attributes (name, type and value) toward its 256 KB, as SNS does", () => {
    const attribute = (n: number, value: string) => ({ [`MessageAttributes.entry.${n}.Name`]: "accountId", [`MessageAttributes.entry.${n}.Value.DataType`]: "String.Array", [`MessageAttributes.entry.${n}.Value.StringValue`]: value });
    const room = LIMITS.snsMessageAndAttributesBytes - "accountIdString.Array".length;
    const publish = (value: string) => call("sns", "Publish", { TopicArn: "arn:aws:sns:us-east-1:123456789012:t", Subject: "s", Message: "m".repeat(1000), ...attribute(1, value) });
    expect(refusal(publish("v".repeat(room - 1000)))).to.equal(undefined);
    expect(limitRefusal(publish("v".repeat(room - 999)))).to.deep.equal({ status: 400, code: "InvalidParameter", message: "Invalid parameter: Message too long (with its attributes)" });
  });

  it("refuses StartExecution with a name StartExecution refuses: outside 1-80 characters, or a space, slash or colon", () => {
    const start = (name: string) => call("states", "StartExecution", { stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:m", name });
    expect(refusal(start("local-20261208T010203Z-ab12cd"))).to.equal(undefined);
    expect(refusal(start("n".repeat(80)))).to.equal(undefined);
    for (const name of ["n".repeat(81), ""]) expect(limitRefusal(start(name)), name).to.deep.include({ status: 400, code: "ValidationException" });
    for (const name of ["a run", "a/b", "a:b"]) expect(limitRefusal(start(name)), name).to.deep.include({ status: 400, code: "InvalidName" });
  });

  it("refuses a presigned GET once X-Amz-Date plus X-Amz-Expires has passed, as S3 does", () => {
    const presigned = (signedAt: Date, expires: number) => {
      const stamp = signedAt.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
      const query = new URLSearchParams({ "X-Amz-Date": stamp, "X-Amz-Expires": String(expires), "X-Amz-Credential": "AKIATEST/20261207/us-east-1/s3/aws4_request" });
      return call("s3", "GetObject", {}, { s3: { bucket: "b", key: "k", query } });
    };
    expect(limitRefusal(presigned(new Date(Date.now() - 30_000), 60))).to.equal(undefined);
    expect(limitRefusal(presigned(new Date(Date.now() - 90_000), 60))).to.deep.equal({ status: 403, code: "AccessDenied", message: "Request has expired" });
    // A GET signed in its header has no expiry of its own.
    expect(limitRefusal(call("s3", "GetObject", {}, { s3: { bucket: "b", key: "k", query: new URLSearchParams() } }))).to.equal(undefined);
  });

  it("refuses PutEvents of more than 10 entries, or entries of 1 MB or more as EventBridge counts them", () => {
    const entry = (detail: string) => ({ Source: "org-credential-reports", DetailType: "Run", Detail: detail });
    expect(refusal(call("events", "PutEvents", { Entries: Array.from({ length: 10 }, () => entry("{}")) }))).to.equal(undefined);
    expect(refusal(call("events", "PutEvents", { Entries: Array.from({ length: 11 }, () => entry("{}")) }))).to.equal("ValidationException");
    const fixed = "org-credential-reports".length + "Run".length;
    expect(refusal(call("events", "PutEvents", { Entries: [entry("x".repeat(LIMITS.eventBridgeEntryBytes - fixed - 1))] }))).to.equal(undefined);
    expect(refusal(call("events", "PutEvents", { Entries: [entry("x".repeat(LIMITS.eventBridgeEntryBytes - fixed))] }))).to.equal("ValidationException");
  });

  it("refuses BatchImportFindings past 100 findings, 240 KB a finding, or a field past its length", () => {
    const finding = (fields: Record<string, unknown> = {}) => ({ Id: "f", Title: "t", Description: "d", Remediation: { Recommendation: { Text: "fix" } }, ...fields });
    const imports = (findings: object[]) => call("securityhub", "BatchImportFindings", { Findings: findings });
    expect(refusal(imports(Array.from({ length: 100 }, () => finding())))).to.equal(undefined);
    expect(refusal(imports(Array.from({ length: 101 }, () => finding())))).to.equal("InvalidInputException");
    for (const [path, max] of Object.entries(LIMITS.securityHubFieldCharacters)) {
      const at = (length: number) => {
        const value = "x".repeat(length);
        return path === "Remediation.Recommendation.Text" ? finding({ Remediation: { Recommendation: { Text: value } } }) : finding({ [path]: value });
      };
      expect(refusal(imports([at(max)])), path).to.equal(undefined);
      expect(refusal(imports([at(max + 1)])), path).to.equal("InvalidInputException");
    }
    expect(refusal(imports([finding({ Title: "   " })]))).to.equal("InvalidInputException");
    expect(refusal(imports([finding({ ProductFields: { big: "x".repeat(LIMITS.securityHubFindingBytes) } })]))).to.equal("InvalidInputException");
  });

  it("refuses an S3 key over 1,024 bytes and user metadata over 2 KB, counted in UTF-8", () => {
    const put = (key: string, headers: Record<string, string> = {}) => call("s3", "PutObject", {}, { s3: { bucket: "b", key, query: new URLSearchParams() }, headers });
    expect(refusal(put("é".repeat(512)))).to.equal(undefined);
    expect(refusal(put(`${"é".repeat(512)}x`))).to.equal("KeyTooLongError");
    expect(refusal(put("k", { "x-amz-meta-sha256": "x".repeat(LIMITS.s3MetadataBytes - "sha256".length) }))).to.equal(undefined);
    expect(refusal(put("k", { "x-amz-meta-sha256": "x".repeat(LIMITS.s3MetadataBytes - "sha256".length + 1) }))).to.equal("MetadataTooLarge");
  });

  it("refuses AssumeRole with a session policy over 2,048 characters, a session name outside 2-64 of [\\w+=,.@-], or a duration outside 900-3600 s", () => {
    const assume = (params: Record<string, unknown>) => call("sts", "AssumeRole", { RoleArn: "arn:aws:iam::111111111111:role/r", RoleSessionName: "credreport-run", ...params });
    expect(refusal(assume({ Policy: "x".repeat(2048) }))).to.equal(undefined);
    expect(refusal(assume({ Policy: "x".repeat(2049) }))).to.equal("ValidationError");
    for (const name of ["x", "y".repeat(65), "has space"]) expect(refusal(assume({ RoleSessionName: name })), name).to.equal("ValidationError");
    expect(refusal(assume({ RoleSessionName: "a+b=c,d.e@f-g_h" }))).to.equal(undefined);
    expect(refusal(assume({ DurationSeconds: "900" }))).to.equal(undefined);
    expect(refusal(assume({ DurationSeconds: "899" }))).to.equal("ValidationError");
    expect(refusal(assume({ DurationSeconds: "3601" }))).to.equal("ValidationError");
  });
});
