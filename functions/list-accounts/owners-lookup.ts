import { type AccountClient, GetAlternateContactCommand } from "@aws-sdk/client-account";
import {
  ListRootsCommand,
  ListTagsForResourceCommand,
  type OrganizationsClient,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
} from "@aws-sdk/client-organizations";
import pLimit from "p-limit";
import type { AccountRef } from "../run/contracts";
import { describeAwsError } from "../run/errors";
import type { Log } from "../log";
import { addressesIn, type AccountOwners, firstOwners, type OwnerSettings, type OwnerSource, ownersInFile } from "../run/owners";

export interface OwnersLookupDeps {
  readonly organizations: OrganizationsClient;
  /** AWS Account Management, for the alternate contacts (source "contact"). */
  readonly account?: AccountClient;
  readonly owners: OwnerSettings;
  /** The account ListAccounts runs in: its own contact is asked for without an AccountId. */
  readonly ownAccountId?: string;
  readonly log: Log;
}

// Accounts asked about at once: Organizations' and Account Management's request rates are shared by
// the whole organization (AWS publishes no number for either), and a throttled call is retried.
const ACCOUNTS_AT_ONCE = 4;
const PAGE_SIZE = 20;

/**
 * The accounts with their OU path and their owners, read once for the run: the OU tree walked from
 * the root (ListRoots, ListOrganizationalUnitsForParent, ListAccountsForParent), then for each
 * account the stack's sources in its order until one names someone (ListTagsForResource on the
 * account, GetAlternateContact of type SECURITY). A source that refuses or fails names no one for
 * that account (logged once per source and error); it never stops the run.
 */
export async function withOwners(accounts: readonly AccountRef[], deps: OwnersLookupDeps): Promise<AccountRef[]> {
  if (deps.owners.sources.length === 0) return [...accounts];
  const paths = await ouPaths(deps.organizations);
  const failed = new Set<string>();
  const noted = (source: OwnerSource, err: unknown) => {
    const aws = describeAwsError(err);
    const key = `${source} ${aws.code}`;
    if (!failed.has(key)) deps.log("owners-source-failed", { source, code: aws.code, message: aws.message });
    failed.add(key);
    return undefined;
  };
  const ask: Record<OwnerSource, (account: AccountRef, ou: string | undefined) => Promise<Pick<AccountOwners, "to" | "digest"> | undefined>> = {
    file: async (account, ou) => ownersInFile(deps.owners.rules, account.id, ou),
    tag: async (account) => {
      if (!deps.owners.tagKey) return undefined;
      const tags = await deps.organizations.send(new ListTagsForResourceCommand({ ResourceId: account.id })).catch((err) => noted("tag", err));
      return { to: addressesIn(tags?.Tags?.find((tag) => tag.Key === deps.owners.tagKey)?.Value) };
    },
    contact: async (account) => {
      if (!deps.account) return undefined;
      const own = account.id === deps.ownAccountId;
      const contact = await deps.account
        .send(new GetAlternateContactCommand({ AlternateContactType: "SECURITY", ...(own ? {} : { AccountId: account.id }) }))
        .catch((err) => (describeAwsError(err).code === "ResourceNotFoundException" ? undefined : noted("contact", err)));
      return { to: addressesIn(contact?.AlternateContact?.EmailAddress) };
    },
  };
  const limit = pLimit(ACCOUNTS_AT_ONCE);
  return Promise.all(
    accounts.map((account) =>
      limit(async (): Promise<AccountRef> => {
        const ou = paths.get(account.id);
        const found: Partial<Record<OwnerSource, Pick<AccountOwners, "to" | "digest">>> = {};
        let owners: AccountOwners | undefined;
        // In the stack's order, and no further than the first source that names someone.
        for (const source of deps.owners.sources) {
          const answer = await ask[source](account, ou);
          if (answer) found[source] = answer;
          owners = firstOwners(deps.owners.sources, found);
          if (owners) break;
        }
        return { ...account, ...(ou !== undefined ? { ou } : {}), ...(owners ? { owners } : {}) };
      }),
    ),
  );
}

/** Every account's OU path of names from the root ("" for an account directly under it). */
async function ouPaths(organizations: OrganizationsClient): Promise<Map<string, string>> {
  const paths = new Map<string, string>();
  const roots = await organizations.send(new ListRootsCommand({}));
  const pending: { id: string; path: string }[] = (roots.Roots ?? []).flatMap((root) => (root.Id ? [{ id: root.Id, path: "" }] : []));
  for (let parent = pending.pop(); parent; parent = pending.pop()) {
    for await (const page of paginateListAccountsForParent({ client: organizations, pageSize: PAGE_SIZE }, { ParentId: parent.id })) {
      for (const account of page.Accounts ?? []) if (account.Id) paths.set(account.Id, parent.path);
    }
    for await (const page of paginateListOrganizationalUnitsForParent({ client: organizations, pageSize: PAGE_SIZE }, { ParentId: parent.id })) {
      for (const ou of page.OrganizationalUnits ?? []) if (ou.Id) pending.push({ id: ou.Id, path: parent.path ? `${parent.path}/${ou.Name ?? ou.Id}` : (ou.Name ?? ou.Id) });
    }
  }
  return paths;
}
