import { expect } from "chai";
import { resolveEncryptionContext } from "../../../emulator/authorizer/encryption-context";
import { useKeyThroughS3 } from "../../../policies/pipeline-policies";
import type { PolicyDocument } from "../../../policies/document";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/k";
const policy: PolicyDocument = { Version: "2012-10-17", Statement: [useKeyThroughS3("EncryptWithReportKey", "us-east-1", KEY, "arn:aws:s3:::reports")] };
const through = (arn: string) => ({ "kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": arn });

describe("kms:EncryptionContext conditions, decided before the IAM simulator sees a policy", () => {
  it("keeps a statement whose encryption context matches, without that condition and with the others", () => {
    const [statement] = resolveEncryptionContext(policy, through("arn:aws:s3:::reports")).Statement;
    expect(statement.Condition).to.deep.equal({ StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } });
    expect(resolveEncryptionContext(policy, through("arn:aws:s3:::reports/credential-reports/x.csv")).Statement).to.have.length(1);
  });

  it("drops a statement whose encryption context does not match: another bucket, or none given", () => {
    expect(resolveEncryptionContext(policy, through("arn:aws:s3:::another-bucket")).Statement).to.deep.equal([]);
    expect(resolveEncryptionContext(policy, { "kms:ViaService": "s3.us-east-1.amazonaws.com" }).Statement).to.deep.equal([]);
  });

  it("holds a negated operator for a missing key, as IAM does, and refuses to guess an operator it does not know", () => {
    const deny: PolicyDocument = { Version: "2012-10-17", Statement: [{ Sid: "D", Effect: "Deny", Action: "kms:Decrypt", Resource: "*", Condition: { StringNotEquals: { "kms:EncryptionContext:team": "a" } } }] };
    expect(resolveEncryptionContext(deny, {}).Statement).to.deep.equal([{ Sid: "D", Effect: "Deny", Action: "kms:Decrypt", Resource: "*" }]);
    expect(resolveEncryptionContext(deny, { "kms:EncryptionContext:team": "a" }).Statement).to.deep.equal([]);
    const odd: PolicyDocument = { Version: "2012-10-17", Statement: [{ Sid: "O", Effect: "Allow", Action: "kms:Decrypt", Resource: "*", Condition: { ForAnyValueStringLike: { "kms:EncryptionContext:team": "a*" } } }] };
    expect(() => resolveEncryptionContext(odd, {})).to.throw("statement O: ForAnyValueStringLike on kms:EncryptionContext:team cannot be judged here");
  });
});
