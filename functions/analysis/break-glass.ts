import type { UserMatcher } from "./accepted-risks";
import type { ParsedReport } from "./credential-report";
import { finding, type Finding, type FindingThresholds, pick, recentUse } from "./findings";

/**
 * A report's findings with its break-glass users' own: any use of their credentials within the use
 * window (rootUseWindowDays, as for root) is high, and so is no MFA, password or not. For them,
 * break-glass-without-mfa takes the place of console-without-mfa and user-without-mfa. Pure;
 * `matchers` are the break-glass rules in force, compiled once per run.
 */
export function withBreakGlass(findings: readonly Finding[], report: ParsedReport, matchers: readonly UserMatcher[], now: Date, t: FindingThresholds): Finding[] {
  const kept = report.users.filter((user) => !user.isRoot && matchers.some((matches) => matches(user.accountId, user.user)));
  if (kept.length === 0) return [...findings];
  const names = new Set(kept.map((user) => user.user));
  const own = kept.flatMap((user) => {
    const found: Finding[] = [];
    const name = `Break-glass user ${user.user} (${user.accountId})`;
    const recent = recentUse(user, now, t.rootUseWindowDays);
    if (recent) found.push(finding("break-glass-used", user, `${name} was used ${recent.ago} ago (${recent.column})`, recent.evidence));
    if (!user.mfaActive) found.push(finding("break-glass-without-mfa", user, `${name} has no MFA`, pick(user, "password_enabled", "mfa_active")));
    return found;
  });
  return [...findings.filter((f) => !((f.checkId === "console-without-mfa" || f.checkId === "user-without-mfa") && names.has(f.user))), ...own];
}
