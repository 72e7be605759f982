import type { S3Client } from "@aws-sdk/client-s3";
import type { AccountListing, RunRef } from "../contracts";
import { InvalidInput } from "../errors";
import { readIfPresent } from "../read-if-present";
import { accountListKey } from "../report-keys";
import { storeOnce } from "../write-once";

/** The accounts of one run as stored beside its reports (`accounts.json`). */
export interface StoredAccountList extends AccountListing {
  readonly schemaVersion: 1;
  readonly run: RunRef;
}

export interface AccountListStore {
  readonly s3: S3Client;
  readonly bucket: string;
}

/**
 * Records the run's accounts once. A retried ListAccounts finds the first list stored and returns
 * that one, so a run never works from two lists even if the organization changed in between.
 */
export async function recordAccountList(run: RunRef, listing: AccountListing, store: AccountListStore): Promise<AccountListing> {
  const record: StoredAccountList = { schemaVersion: 1, run, accounts: listing.accounts, skipped: listing.skipped };
  const key = accountListKey(run);
  const written = await storeOnce(store.s3, { Bucket: store.bucket, Key: key, Body: JSON.stringify(record), ContentType: "application/json" });
  if (written) return listing;
  const stored = await readAccountList(run, store);
  if (!stored) throw new InvalidInput(`${key} was there a moment ago and is gone`);
  return { accounts: stored.accounts, skipped: stored.skipped };
}

/** The run's stored account list, or undefined when the run has none (it never listed, or predates it). */
export async function readAccountList(run: RunRef, store: AccountListStore): Promise<StoredAccountList | undefined> {
  const text = await readIfPresent(store.s3, store.bucket, accountListKey(run));
  return text === undefined ? undefined : (JSON.parse(text) as StoredAccountList);
}
