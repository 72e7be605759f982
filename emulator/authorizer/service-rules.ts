import type { AwsError } from "./aws-answers";
import type { AwsCall } from "./aws-requests";

/** What the layer knows of the organization, from the calls it has seen. */
export interface KnownOrganization {
  readonly id?: string;
  readonly managementAccountId?: string;
  readonly accounts: ReadonlySet<string>;
  /** The service principals with trusted access (EnableAWSServiceAccess). */
  readonly trustedServices: ReadonlySet<string>;
  /** The delegated administrator accounts of each service principal (RegisterDelegatedAdministrator). */
  readonly delegatedAdministrators: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * A service's own rules beyond IAM, where moto keeps none: AWS Account Management acts on another
 * account (AccountId) only for the organization's management account or its delegated
 * administrator for account.amazonaws.com, on a member account, with trusted access for
 * account.amazonaws.com on; the management account names itself by leaving AccountId out (Account
 * Management API Reference, GetAlternateContact, "AccountId"). Undefined when the call may go on.
 */
export function serviceRuleRefusal(call: AwsCall, callerAccount: string, organization: KnownOrganization): AwsError | undefined {
  if (call.service !== "account" || typeof call.params.AccountId !== "string") return undefined;
  const refuse = (message: string): AwsError => ({ status: 403, code: "AccessDeniedException", message });
  const accountId = call.params.AccountId;
  const delegated = organization.delegatedAdministrators.get("account.amazonaws.com")?.has(callerAccount) ?? false;
  if (callerAccount !== organization.managementAccountId && !delegated) return refuse("To use AccountId, the caller must be an identity in the organization's management account or a delegated administrator account");
  if (accountId === organization.managementAccountId) return refuse("The management account can't specify its own AccountId; call the operation without AccountId");
  if (!organization.accounts.has(accountId)) return refuse(`The account ${accountId} is not a member account of the organization`);
  if (!organization.trustedServices.has("account.amazonaws.com")) return refuse("The organization has not enabled trusted access for AWS Account Management (account.amazonaws.com)");
  return undefined;
}
