import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { expect } from "chai";
import { memberRolePolicy } from "../../policies/member-role-template";
import { collectorSessionPolicy, securityHubSessionPolicy } from "../../policies/session-policies";

// What a session of the member role may do: the role's policy and the caller's session policy, both
// required (STS AssumeRole, "Policy"), as an offline IAM simulator evaluates them.
const MEMBER = "111122223333";
const OTHER = "444455556666";
const target = { partition: "aws", region: "eu-west-1", accountId: MEMBER };
const ROLE = `arn:aws:iam::${MEMBER}:role/iam-credential-report-generation-role`;
const PRODUCT = `arn:aws:securityhub:eu-west-1:${MEMBER}:product/${MEMBER}/default`;
const HUB = `arn:aws:securityhub:eu-west-1:${MEMBER}:hub/default`;
const SESSIONS = {
  collector: collectorSessionPolicy(target),
  "collector, Security Hub off": collectorSessionPolicy(),
  summarize: securityHubSessionPolicy(target),
};

async function decide(session: keyof typeof SESSIONS, action: string, resource: string, context: Record<string, string | string[]> = {}): Promise<string> {
  const simulation: Simulation = {
    identityPolicies: [{ name: "credential-report", policy: memberRolePolicy(target) as never }],
    sessionPolicy: SESSIONS[session] as never,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: undefined,
    request: { principal: ROLE, action, resource: { resource, accountId: MEMBER }, contextVariables: { "aws:SecureTransport": "true", ...context } },
  };
  const response = await runSimulation(simulation, {});
  if (response.resultType === "error") throw new Error(JSON.stringify(response.errors));
  return response.overallResult;
}

/** The fields of a BatchUpdateFindings request, as its securityhub:ASFFSyntaxPath/<field> condition keys. */
const update = (fields: Record<string, string | string[]>) => Object.fromEntries(Object.entries(fields).map(([field, value]) => [`securityhub:ASFFSyntaxPath/${field}`, value]));

describe("member role sessions, evaluated by an IAM simulator", function () {
  this.timeout(60_000);

  it("lets the collector's session read the report and settings, and Summarize's only send findings", async () => {
    for (const action of ["iam:GenerateCredentialReport", "iam:GetCredentialReport", "iam:GetAccountSummary", "iam:ListVirtualMFADevices", "iam:GetAccountPasswordPolicy"]) {
      expect(await decide("collector", action, "*"), action).to.equal("Allowed");
      expect(await decide("summarize", action, "*"), action).to.equal("ImplicitlyDenied");
    }
    expect(await decide("collector, Security Hub off", "securityhub:BatchImportFindings", PRODUCT, { "securityhub:TargetAccount": MEMBER })).to.equal("ImplicitlyDenied");
  });

  it("imports findings of the account itself into its own product only", async () => {
    for (const session of ["collector", "summarize"] as const) {
      expect(await decide(session, "securityhub:BatchImportFindings", PRODUCT, { "securityhub:TargetAccount": MEMBER }), session).to.equal("Allowed");
      expect(await decide(session, "securityhub:BatchImportFindings", PRODUCT, { "securityhub:TargetAccount": OTHER }), session).to.equal("ImplicitlyDenied");
      expect(await decide(session, "securityhub:BatchImportFindings", `arn:aws:securityhub:eu-west-1:${OTHER}:product/${OTHER}/default`, { "securityhub:TargetAccount": MEMBER }), session).to.equal("ImplicitlyDenied");
    }
  });

  it("changes no finding's workflow or fields: the hub-wide update calls, which would reach other products' findings (every member's in Security Hub's administrator account), are refused to every session", async () => {
    for (const session of ["collector", "summarize"] as const) {
      for (const status of ["NEW", "SUPPRESSED", "RESOLVED"]) {
        expect(await decide(session, "securityhub:BatchUpdateFindings", HUB, update({ "Workflow.Status": status, "Note.Text": "x", "Note.UpdatedBy": "x" })), status).to.equal("ImplicitlyDenied");
      }
      expect(await decide(session, "securityhub:UpdateFindings", HUB), "UpdateFindings").to.equal("ImplicitlyDenied");
    }
  });

  it("keeps every session policy within STS's 2,048 characters", () => {
    for (const [session, policy] of Object.entries(SESSIONS)) expect(JSON.stringify(policy).length, session).to.be.below(2048);
  });
});
