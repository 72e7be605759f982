import { GetObjectCommand, paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";
import type { RunRecord } from "../../functions/org-report/run-history";
import { SEVERITIES } from "../../functions/analysis/findings";
import type { RunRef } from "../../functions/run/contracts";
import { analysisKey, HISTORY_FILES, HISTORY_PREFIX } from "../../functions/run/report-keys";

/**
 * The newest run of a bucket, found from the records kept across runs (the last day's, the latest
 * start): undefined when no run of 0.4.0 or later is there.
 */
export async function newestRun(s3: S3Client, bucket: string): Promise<RunRef | undefined> {
  const prefix = `${HISTORY_PREFIX}${HISTORY_FILES.historyRun}/`;
  let newestDay = "";
  let keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    for (const key of (page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : []))) {
      const day = /date=(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1];
      if (!day || day < newestDay) continue;
      if (day > newestDay) [newestDay, keys] = [day, []];
      keys.push(key);
    }
  }
  if (keys.length === 0) return undefined;
  const records = await Promise.all(keys.map(async (key) => JSON.parse(await readText(s3, bucket, key)) as RunRecord));
  const newest = records.sort((a, b) => a.run_started_at.localeCompare(b.run_started_at)).at(-1)!;
  return { id: newest.run_id, startedAt: newest.run_started_at };
}

/** The newest run's trend in a bucket, as its page draws it (its trend.json). */
export async function newestTrend(s3: S3Client, bucket: string): Promise<readonly RunRecord[] | undefined> {
  const run = await newestRun(s3, bucket);
  return run && (JSON.parse(await readText(s3, bucket, analysisKey(run, "trend"))) as { runs: RunRecord[] }).runs;
}

async function readText(s3: S3Client, bucket: string, key: string): Promise<string> {
  return (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
}

/** The trend as a table, oldest run first, the same columns as the page's. */
export function formatTrend(trend: readonly RunRecord[]): string {
  const header = ["#", "day", "run", "collected", "failed", "open", ...SEVERITIES, "new", "resolved", "accepted", "keys deactivated"];
  const rows = trend.map((r, i) => [
    String(i + 1),
    r.run_date,
    r.run_id,
    String(r.accounts_collected),
    String(r.accounts_failed),
    String(r.open_findings),
    ...SEVERITIES.map((s) => String(r[s])),
    String(r.new_findings),
    String(r.resolved_findings),
    String(r.accepted_findings),
    // Runs before 0.5.0 did not record it.
    r.keys_deactivated === undefined ? "-" : String(r.keys_deactivated),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  // Text left, numbers right, as a reader scans them.
  const line = (cells: string[]) => cells.map((cell, c) => (c <= 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
