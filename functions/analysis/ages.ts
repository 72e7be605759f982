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
