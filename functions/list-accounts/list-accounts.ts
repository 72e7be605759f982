import {
  DescribeOrganizationCommand,
  type Account,
  type OrganizationsClient,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
} from "@aws-sdk/client-organizations";
import type { S3Client } from "@aws-sdk/client-s3";
import type { AccountClient } from "@aws-sdk/client-account";
import type { OwnerSettings } from "../run/owners";
import { withOwners } from "./owners-lookup";
import { type AccountListing, type AccountRef, countByStatus, type ListedAccounts, type RunRef, type SkippedAccount } from "../run/contracts";
import { describeAwsError, InvalidInput, ListAccountsFailed, TransientAwsError } from "../run/errors";
import { LAMBDA_ENV, listEnv } from "../pipeline/lambda-env";
import type { Log } from "../log";
import { recordAccountList } from "../storage/account-list";
import { findPreviousRun } from "../storage/analysis-store";
import { type AccountScope, scopeProblems } from "../run/account-scope";

/** The most accounts one ListAccounts or ListAccountsForParent page holds. */
const PAGE_SIZE = 20;

/** The scope a deployed ListAccounts reads from its environment. */
export function scopeFromEnv(env: NodeJS.ProcessEnv): AccountScope {
  const names = LAMBDA_ENV["list-accounts"];
  const scope = { includeOuIds: listEnv(env, names.includeOuIds), excludeAccountIds: listEnv(env, names.excludeAccountIds) };
  const problems = scopeProblems(scope, { ou: names.includeOuIds, account: names.excludeAccountIds });
  if (problems.length > 0) throw new InvalidInput(problems.join("; "));
  return scope;
}

/**
 * The accounts a run collects: ACTIVE ones in scope. Others in scope (suspended, closing,
 * excluded) are returned as skipped with their status, so the manifest accounts for them.
 */
export async function listAccounts(organizations: OrganizationsClient, scope: AccountScope, log: Log): Promise<AccountListing> {
  try {
    const all = await allAccounts(organizations);
    const inScope = scope.includeOuIds.length === 0 ? undefined : await idsInScope(organizations, scope.includeOuIds);
    const listing = selectAccounts(all, inScope, new Set(scope.excludeAccountIds));
    log("accounts-listed", { active: listing.accounts.length, skippedByStatus: countByStatus(listing.skipped) });
    return listing;
  } catch (err) {
    const aws = describeAwsError(err);
    // Throttled past the SDK's own retries: the state machine runs this step again later.
    if (aws.transient) throw new TransientAwsError(aws.code, aws.message);
    throw new ListAccountsFailed(aws.code, aws.message);
  }
}

export interface ListAccountsDeps {
  readonly organizations: OrganizationsClient;
  readonly s3: S3Client;
  readonly bucket: string;
  /** Where the Distributed Map reads the list from. @default bucket */
  readonly mapBucket?: string;
  readonly scope: AccountScope;
  readonly log: Log;
  /** Where each account's owners come from; unset, none are read. */
  readonly owners?: OwnerSettings;
  /** AWS Account Management, for owners from alternate contacts. */
  readonly account?: AccountClient;
  /** The account ListAccounts runs in. */
  readonly ownAccountId?: string;
}

/** The ListAccounts step: the accounts of the run, recorded beside its reports; where they are and how many. */
export async function listRunAccounts(input: { readonly run: RunRef }, deps: ListAccountsDeps): Promise<ListedAccounts> {
  if (typeof input?.run?.id !== "string" || typeof input.run.startedAt !== "string") {
    throw new InvalidInput(`expected {run: {id, startedAt}}, got keys ${Object.keys(input ?? {}).join(", ")}`);
  }
  const found = await listAccounts(deps.organizations, deps.scope, deps.log);
  const listing = deps.owners?.sources.length ? { ...found, accounts: await ownersOf(found.accounts, deps) } : found;
  const listed = await recordAccountList(input.run, listing, deps);
  // Found once for the run: every batch compares its accounts with that run's.
  const previousRun = (await findPreviousRun(input.run, deps)) ?? null;
  deps.log("previous-run", { runId: input.run.id, previousRunId: previousRun?.id ?? null });
  return { ...listed, previousRun };
}

/** The accounts with their owners; "later" from AWS past the SDK's retries runs the step again. */
async function ownersOf(accounts: readonly AccountRef[], deps: ListAccountsDeps): Promise<AccountRef[]> {
  try {
    const owned = await withOwners(accounts, { organizations: deps.organizations, account: deps.account, owners: deps.owners!, ownAccountId: deps.ownAccountId, log: deps.log });
    deps.log("owners-read", { accounts: owned.length, withOwners: owned.filter((a) => a.owners).length, sources: deps.owners!.sources });
    return owned;
  } catch (err) {
    const aws = describeAwsError(err);
    if (aws.transient) throw new TransientAwsError(aws.code, aws.message);
    throw new ListAccountsFailed(aws.code, `reading the OU tree for the owners: ${aws.message}`);
  }
}

/** Pure: splits accounts into those to collect and those skipped, sorted by id. */
export function selectAccounts(all: Account[], inScope: Set<string> | undefined, excluded: Set<string>): AccountListing {
  const accounts: AccountRef[] = [];
  const skipped: SkippedAccount[] = [];
  for (const account of all) {
    if (!account.Id || (inScope && !inScope.has(account.Id))) continue;
    const ref = { id: account.Id, name: account.Name ?? "" };
    // State is the newer field (it also knows CLOSED and PENDING_ACTIVATION); Status the older one.
    const status = excluded.has(account.Id) ? "EXCLUDED" : (account.State ?? account.Status ?? "UNKNOWN");
    if (status === "ACTIVE") accounts.push(ref);
    else skipped.push({ ...ref, status });
  }
  const byId = (a: AccountRef, b: AccountRef) => a.id.localeCompare(b.id);
  return { accounts: accounts.sort(byId), skipped: skipped.sort(byId) };
}

async function allAccounts(organizations: OrganizationsClient): Promise<Account[]> {
  const accounts: Account[] = [];
  // ListAccounts returns at most 20 accounts a page; asking for 20 says so (and the emulator,
  // which would send 100 otherwise, pages as AWS does).
  for await (const page of paginateListAccounts({ client: organizations, pageSize: PAGE_SIZE }, {})) accounts.push(...(page.Accounts ?? []));
  return accounts;
}

/** Ids of the accounts under the given OUs, recursively, plus the management account. */
async function idsInScope(organizations: OrganizationsClient, parentIds: readonly string[]): Promise<Set<string>> {
  const ids = new Set<string>();
  const org = await organizations.send(new DescribeOrganizationCommand({}));
  if (org.Organization?.MasterAccountId) ids.add(org.Organization.MasterAccountId);
  const pending = [...parentIds];
  for (let parentId = pending.pop(); parentId; parentId = pending.pop()) {
    for await (const page of paginateListAccountsForParent({ client: organizations, pageSize: PAGE_SIZE }, { ParentId: parentId })) {
      for (const account of page.Accounts ?? []) if (account.Id) ids.add(account.Id);
    }
    for await (const page of paginateListOrganizationalUnitsForParent({ client: organizations }, { ParentId: parentId })) {
      for (const ou of page.OrganizationalUnits ?? []) if (ou.Id) pending.push(ou.Id);
    }
  }
  return ids;
}
