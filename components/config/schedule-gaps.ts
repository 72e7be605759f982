import { CronExpressionParser } from "cron-parser";

/** The shortest and the longest time between two starts of a schedule, in seconds. */
export interface ScheduleGaps {
  readonly shortestSeconds: number;
  readonly longestSeconds: number;
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { minute: 60, hour: 3600, day: 86_400 };

// Starts enough to see a month's pattern even in a schedule that starts every minute of one day.
const MAX_STARTS = 2_000;
const SPAN_MS = 400 * 86_400_000;

/**
 * The gaps between the starts of a valid EventBridge Scheduler rate() or cron() expression
 * (scheduleExpressionProblem checks it first), in its time zone: what the heartbeat waits for,
 * and what must leave a run time to end before the next starts. A cron is walked start by start
 * for up to 400 days by cron-parser, once written in its syntax (day-of-week counts from 0).
 */
export function scheduleGaps(expression: string, timezone: string, from = new Date("2026-01-01T00:00:00Z")): ScheduleGaps {
  const rate = /^rate\((\d+) ([a-z]+?)s?\)$/.exec(expression);
  if (rate) {
    const seconds = Number(rate[1]) * UNIT_SECONDS[rate[2]];
    return { shortestSeconds: seconds, longestSeconds: seconds };
  }
  const [minutes, hours, dayOfMonth, month, dayOfWeek] = /^cron\((.*)\)$/.exec(expression)![1].split(" ");
  // The year field has no place in cron-parser's syntax: a schedule limited to some years keeps the same gaps within them.
  // cron-parser knows no "W" (the weekday nearest a day): it moves a monthly start by 2 days at
  // most, in gaps of weeks that neither the heartbeat (at most 7 days) nor a run's timeout come near.
  const nearestDay = dayOfMonth.replace(/W$/, "");
  const starts = CronExpressionParser.parse([minutes, hours, nearestDay, month, standardDayOfWeek(dayOfWeek)].join(" "), { tz: timezone, currentDate: from });
  let shortest = Number.POSITIVE_INFINITY;
  let longest = 0;
  let previous = starts.next().getTime();
  for (let i = 1; i < MAX_STARTS && previous - from.getTime() < SPAN_MS; i++) {
    const next = starts.next().getTime();
    shortest = Math.min(shortest, next - previous);
    longest = Math.max(longest, next - previous);
    previous = next;
  }
  return { shortestSeconds: shortest / 1000, longestSeconds: longest / 1000 };
}

/** EventBridge's day-of-week numbers run 1 (SUN) to 7 (SAT); cron-parser's 0 to 6. Names and "?" stay. */
function standardDayOfWeek(field: string): string {
  return field
    .split(",")
    .map((item) => {
      const [days, step] = item.split("/");
      // A number before "#" or "L" or in a range is a day; the one after "#" is which week, after "/" a step.
      const shifted = days.replace(/^(\d)|(?<=-)(\d)/g, (digit) => String(Number(digit) - 1));
      return step === undefined ? shifted : `${shifted}/${step}`;
    })
    .join(",");
}
