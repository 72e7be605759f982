import { expect } from "chai";
import type { AwsCall } from "../../../emulator/authorizer/aws-requests";
import { type KnownOrganization, serviceRuleRefusal } from "../../../emulator/authorizer/service-rules";

const MANAGEMENT = "111111111111";
const MEMBER = "222222222222";
const SECURITY = "333333333333";
const contactOf = (accountId?: string): AwsCall => ({
  service: "account",
  region: "us-east-1",
  operation: "GetAlternateContact",
  params: { AlternateContactType: "SECURITY", ...(accountId ? { AccountId: accountId } : {}) },
  headers: {},
  body: Buffer.from(""),
});
const organization = (changes: Partial<KnownOrganization> = {}): KnownOrganization => ({
  id: "o-example",
  managementAccountId: MANAGEMENT,
  accounts: new Set([MANAGEMENT, MEMBER, SECURITY]),
  trustedServices: new Set(["account.amazonaws.com"]),
  delegatedAdministrators: new Map(),
  ...changes,
});
const refusal = (call: AwsCall, caller: string, org = organization()) => serviceRuleRefusal(call, caller, org)?.message;

describe("AWS Account Management's own rules (service-rules.ts)", () => {
  it("lets the management account read a member's contact, with trusted access on", () => {
    expect(refusal(contactOf(MEMBER), MANAGEMENT)).to.equal(undefined);
  });

  it("leaves a call about the caller's own account alone: no AccountId, no rule", () => {
    expect(refusal(contactOf(), SECURITY, organization({ trustedServices: new Set() }))).to.equal(undefined);
  });

  it("refuses AccountId to a member account, unless it is the delegated administrator for account.amazonaws.com", () => {
    expect(refusal(contactOf(MEMBER), SECURITY)).to.match(/management account or a delegated administrator/);
    expect(refusal(contactOf(MEMBER), SECURITY, organization({ delegatedAdministrators: new Map([["account.amazonaws.com", new Set([SECURITY])]]) }))).to.equal(undefined);
    // Another service's delegation is not this one's.
    expect(refusal(contactOf(MEMBER), SECURITY, organization({ delegatedAdministrators: new Map([["securityhub.amazonaws.com", new Set([SECURITY])]]) }))).to.match(/delegated administrator/);
  });

  it("refuses the management account its own AccountId, an account outside the organization, and any AccountId while trusted access is off", () => {
    expect(refusal(contactOf(MANAGEMENT), MANAGEMENT)).to.match(/can't specify its own AccountId/);
    expect(refusal(contactOf("999999999999"), MANAGEMENT)).to.match(/not a member account/);
    expect(refusal(contactOf(MEMBER), MANAGEMENT, organization({ trustedServices: new Set() }))).to.match(/trusted access/);
    expect(serviceRuleRefusal(contactOf(MEMBER), MANAGEMENT, organization({ trustedServices: new Set() }))).to.include({ status: 403, code: "AccessDeniedException" });
  });
});
