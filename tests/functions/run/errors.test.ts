import { expect } from "chai";
import { S3ServiceException } from "@aws-sdk/client-s3";
import { AssumeRoleFailed, describeAwsError, isNetworkError, withoutStackTrace } from "../../../functions/run/errors";
import { memberRoleArn, roleSessionName } from "../../../functions/aws/member-credentials";

function awsError(name: string, status: number, extra: Record<string, unknown> = {}) {
  return Object.assign(new S3ServiceException({ name, $fault: status >= 500 ? "server" : "client", $metadata: { httpStatusCode: status } }), extra);
}

describe("AWS error translation", () => {
  it("treats throttling, IAM's LimitExceeded and 5xx as transient", () => {
    expect(describeAwsError(awsError("Throttling", 400))).to.include({ code: "Throttling", transient: true });
    expect(describeAwsError(awsError("LimitExceededException", 409))).to.include({ code: "LimitExceededException", transient: true });
    expect(describeAwsError(awsError("InternalError", 500))).to.include({ transient: true });
    expect(describeAwsError(awsError("Whatever", 429))).to.include({ transient: true });
    expect(describeAwsError(awsError("SlowDown", 503))).to.include({ code: "SlowDown", transient: true });
    // IAM's query protocol: the class is LimitExceededException, the wire code LimitExceeded.
    expect(describeAwsError(awsError("LimitExceededException", 409, { Code: "LimitExceeded" }))).to.include({ code: "LimitExceeded", transient: true });
    expect(describeAwsError(awsError("ServiceFailureException", 500, { Code: "ServiceFailure" }))).to.include({ transient: true });
    expect(describeAwsError(Object.assign(new Error("timed out"), { name: "TimeoutError" }))).to.include({ code: "TimeoutError", transient: true });
  });

  it("tells a connection that failed from an answer that did", () => {
    expect(isNetworkError(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }))).to.equal(true);
    expect(isNetworkError(Object.assign(new Error("getaddrinfo ENOTFOUND x"), { code: "ENOTFOUND" }))).to.equal(true);
    expect(isNetworkError(awsError("ServiceUnavailable", 503))).to.equal(false);
    expect(isNetworkError(awsError("AccessDenied", 403))).to.equal(false);
    expect(isNetworkError("boom")).to.equal(false);
  });

  it("treats access denied and a missing role as final", () => {
    expect(describeAwsError(awsError("AccessDenied", 403))).to.include({ code: "AccessDenied", transient: false });
    expect(describeAwsError(awsError("NoSuchEntity", 404))).to.include({ code: "NoSuchEntity", transient: false });
  });

  it("names a bodiless error answer (a HEAD) by its HTTP status", () => {
    expect(describeAwsError(awsError("Unknown", 503, { message: "UnknownError" }))).to.deep.equal({
      code: "ServiceUnavailable",
      message: "HTTP 503 Service Unavailable",
      transient: true,
    });
    expect(describeAwsError(awsError("Unknown", 403, { message: "UnknownError" }))).to.include({ code: "Forbidden", transient: false });
  });

  it("prefers the protocol's Code and reads network errors", () => {
    expect(describeAwsError(awsError("CredentialReportNotPresentException", 410, { Code: "ReportNotPresent" })).code).to.equal("ReportNotPresent");
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    expect(describeAwsError(reset)).to.deep.equal({ code: "ECONNRESET", message: "socket hang up", transient: true });
    expect(describeAwsError("boom")).to.deep.equal({ code: "Unknown", message: "boom", transient: false });
  });

  it("keeps name and message but no stack frames in what leaves the Lambda", () => {
    const error = withoutStackTrace(new AssumeRoleFailed("AccessDenied", "not authorized"));
    expect(error.name).to.equal("AssumeRoleFailed");
    expect(error.stack).to.equal("AssumeRoleFailed: AccessDenied: not authorized");
  });
});

describe("member role naming", () => {
  it("builds the role ARN in the collector's partition", () => {
    expect(memberRoleArn("aws-us-gov", "111122223333", "reader")).to.equal("arn:aws-us-gov:iam::111122223333:role/reader");
  });

  it("names the session after the run, within STS's characters and 64-character limit", () => {
    expect(roleSessionName("run-1")).to.equal("credreport-run-1");
    const long = roleSessionName("x".repeat(100) + " y");
    expect(long).to.have.length(64);
    expect(roleSessionName("a b:c")).to.equal("credreport-a-b-c");
  });
});
