import type { S3Client } from "@aws-sdk/client-s3";
import type { AccountListing, ListedAccounts, RunRef } from "../run/contracts";
import { InvalidInput } from "../run/errors";
import { readIfPresent } from "./read-if-present";
import { accountListKey, toCollectKey } from "../run/report-keys";
import { storeOnce } from "./write-once";

/** The accounts of one run as stored beside its reports (`accounts.json`). */
export interface StoredAccountList extends AccountListing {
  readonly schemaVersion: 1;
  readonly run: RunRef;
}

export interface AccountListStore {
  readonly s3: S3Client;
  /** The report bucket: the run's record (accounts.json) is evidence, kept with its reports. */
  readonly bucket: string;
  /** The map bucket: the list the Distributed Map reads. @default bucket */
  readonly mapBucket?: string;
}

/**
 * Records the run's accounts once: the record (accounts.json) and, from it, the JSON array the
 * Distributed Map reads (accounts-to-collect.json). A retried ListAccounts finds the first record
 * stored and goes on from that one, so a run never works from two lists even if the organization
 * changed in between.
 */
export async function recordAccountList(run: RunRef, listing: AccountListing, store: AccountListStore): Promise<ListedAccounts> {
  const record: StoredAccountList = { schemaVersion: 1, run, accounts: listing.accounts, skipped: listing.skipped };
  const accountList = { bucket: store.bucket, key: accountListKey(run) };
  const written = await storeOnce(store.s3, { Bucket: store.bucket, Key: accountList.key, Body: JSON.stringify(record), ContentType: "application/json" });
  const kept = written ? record : await readAccountList(run, store);
  if (!kept) throw new InvalidInput(`${accountList.key} was there a moment ago and is gone`);
  const toCollect = { bucket: store.mapBucket ?? store.bucket, key: toCollectKey(run) };
  // Derived from the record kept, so a copy left by an earlier try holds the same accounts.
  // The batches need the ids and names only: owners stay in the record.
  const items = kept.accounts.map(({ id, name }) => ({ id, name }));
  await storeOnce(store.s3, { Bucket: toCollect.bucket, Key: toCollect.key, Body: JSON.stringify(items), ContentType: "application/json" });
  return { accountList, toCollect, counts: { accounts: kept.accounts.length, skipped: kept.skipped.length } };
}

/** The run's stored account list, or undefined when the run has none (it never listed, or predates it). */
export async function readAccountList(run: RunRef, store: AccountListStore): Promise<StoredAccountList | undefined> {
  const text = await readIfPresent(store.s3, store.bucket, accountListKey(run));
  return text === undefined ? undefined : (JSON.parse(text) as StoredAccountList);
}
