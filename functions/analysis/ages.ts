import { type ParsedReport, valueOf } from "./credential-report";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * An age as a person reads it: hours under two days, days under a year, years after that
 * ("26 hours", "3 days", "11 years"). Findings keep the exact number in their evidence.
 */
export function humanAge(ms: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (ms < 2 * DAY_MS) return plural(Math.floor(ms / HOUR_MS), "hour");
  if (ms < 365 * DAY_MS) return plural(Math.floor(ms / DAY_MS), "day");
  return plural(Math.floor(ms / (365 * DAY_MS)), "year");
}

/** The age buckets of active access keys, as the page draws them. */
export const AGE_BUCKETS: readonly { label: string; maxDays: number }[] = [
  { label: "0-30 days", maxDays: 30 },
  { label: "31-90 days", maxDays: 90 },
  { label: "91-180 days", maxDays: 180 },
  { label: "181-365 days", maxDays: 365 },
  { label: "over a year", maxDays: Infinity },
];

/** How many active access keys fall in each age bucket, as of `now`. Pure. */
export function keyAgeCounts(reports: readonly ParsedReport[], now: Date): number[] {
  const counts = AGE_BUCKETS.map(() => 0);
  for (const user of reports.flatMap((r) => r.users)) {
    for (const key of user.accessKeys.filter((k) => k.active)) {
      const rotated = valueOf(key.lastRotated);
      if (!rotated) continue;
      const days = Math.floor((now.getTime() - rotated.getTime()) / 86_400_000);
      counts[AGE_BUCKETS.findIndex((b) => days <= b.maxDays)] += 1;
    }
  }
  return counts;
}
