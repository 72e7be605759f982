import type { UserMatcher } from "./accepted-risks";
import type { ParsedReport } from "./credential-report";
import { DAY_MS, finding, type Finding, type FindingThresholds, latestUse, pick, wholeDays } from "./findings";
import { humanAge } from "./ages";

/**
 * A report's findings with its break-glass users' own: any use of their credentials within the use
 * window (rootUseWindowDays, as for root) is high, and so is no MFA, password or not. For them,
 * break-glass-without-mfa takes the place of console-without-mfa. Pure; `matchers` are the break-glass
 * rules in force, compiled once per run.
 */
export function withBreakGlass(findings: readonly Finding[], report: ParsedReport, matchers: readonly UserMatcher[], now: Date, t: FindingThresholds): Finding[] {
  const kept = report.users.filter((user) => !user.isRoot && matchers.some((matches) => matches(user.accountId, user.user)));
  if (kept.length === 0) return [...findings];
  const names = new Set(kept.map((user) => user.user));
  const own = kept.flatMap((user) => {
    const found: Finding[] = [];
    const name = `Break-glass user ${user.user} (${user.accountId})`;
    const latest = latestUse(user);
    if (latest && now.getTime() - latest.at.getTime() <= t.rootUseWindowDays * DAY_MS) {
      found.push(
        finding("break-glass-used", user, `${name} was used ${humanAge(now.getTime() - latest.at.getTime())} ago (${latest.column})`, {
          ...pick(user, "password_last_used", "access_key_1_last_used_date", "access_key_2_last_used_date"),
          days_since_last_use: String(wholeDays(now.getTime() - latest.at.getTime())),
        }),
      );
    }
    if (!user.mfaActive) found.push(finding("break-glass-without-mfa", user, `${name} has no MFA`, pick(user, "password_enabled", "mfa_active")));
    return found;
  });
  return [...findings.filter((f) => !(f.checkId === "console-without-mfa" && names.has(f.user))), ...own];
}
