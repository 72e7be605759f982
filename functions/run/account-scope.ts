/** Which accounts a run covers: the stack config checks it at preview, ListAccounts applies it. */
export interface AccountScope {
  /**
   * OUs (or the root) whose accounts are collected, child OUs included. Empty: the whole organization.
   * The management account is always included.
   * @default []
   */
  readonly includeOuIds: readonly string[];
  /**
   * Accounts never collected; they appear in the manifest as skipped, status EXCLUDED.
   * @default []
   */
  readonly excludeAccountIds: readonly string[];
}

/** The default scope: the whole organization. */
export const EVERY_ACCOUNT: AccountScope = { includeOuIds: [], excludeAccountIds: [] };

const OU_OR_ROOT_ID = /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/;
const ACCOUNT_ID = /^\d{12}$/;

/** Every problem with a scope, each naming the setting, the value and what is allowed. */
export function scopeProblems(scope: AccountScope, names = { ou: "includeOuIds", account: "excludeAccountIds" }): string[] {
  return [
    ...scope.includeOuIds
      .filter((id) => !OU_OR_ROOT_ID.test(id))
      .map((id) => `${names.ou}: ${JSON.stringify(id)} is not an OU id (ou-xxxx-xxxxxxxx) or root id (r-xxxx)`),
    ...scope.excludeAccountIds
      .filter((id) => !ACCOUNT_ID.test(id))
      .map((id) => `${names.account}: ${JSON.stringify(id)} is not a 12-digit account id`),
  ];
}
