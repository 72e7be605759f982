import type { ShardRef } from "../run/contracts";
import type { ManifestEntry } from "./manifest";

/** How much one invocation combines at most: accounts, and bytes of their credential reports. */
export interface ShardLimits {
  readonly accounts: number;
  readonly reportBytes: number;
}

/**
 * A shard's bounds. The combination's time grows with the users of its accounts, which the
 * reports' sizes tell before anything is read (about 300 bytes per user): 256 MiB of reports is
 * about 80 s of combining on the machine of docs/benchmarks.md, and the account bound holds the
 * digest and the accounts carried without a report. Lambda's 900 s is far off either way.
 */
export const SHARD_LIMITS: ShardLimits = { accounts: 5_000, reportBytes: 256 * 1024 * 1024 };

/**
 * Pure: the entries (in account order) cut into shards, each within the limits (one account at
 * least); a single shard when the whole run is within them, and the run is then combined in one
 * invocation as before.
 */
export function planShards(entries: readonly Pick<ManifestEntry, "bytes">[], limits: ShardLimits = SHARD_LIMITS): ShardRef[] {
  const bounds: [number, number][] = [];
  let start = 0;
  let bytes = 0;
  entries.forEach((entry, i) => {
    const size = entry.bytes ?? 0;
    if (i > start && (i - start >= limits.accounts || bytes + size > limits.reportBytes)) {
      bounds.push([start, i]);
      start = i;
      bytes = 0;
    }
    bytes += size;
  });
  bounds.push([start, entries.length]);
  return bounds.map(([s, e], index) => ({ index, count: bounds.length, start: s, end: e }));
}
