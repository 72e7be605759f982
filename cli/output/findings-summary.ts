import { ruleSubject } from "../../functions/analysis/accepted-risks";
import { CHECKS, type CheckId, SEVERITIES } from "../../functions/analysis/findings";
import type { StoredSummary } from "../../functions/org-report/run-combiner";

/** The findings part of what the CLI prints, from a run's summary.json: totals, counts by check, then the new urgent ones. */
export function formatFindingsSummary(summary: StoredSummary): string {
  const severities = SEVERITIES.map((s) => `${summary.bySeverity[s]} ${s}`).join(", ");
  const { changes } = summary;
  const since = changes.previousRunId ? ` since run ${changes.previousRunId}` : " (first run: no earlier one to compare with)";
  const lines = [
    `Findings: ${summary.totals.findings} (${severities}) in ${summary.totals.accounts} accounts, ${summary.totals.users} users; ` +
      `${changes.new} new${changes.newAccepted > 0 ? ` (${changes.newAccepted} of them accepted)` : ""}, ${changes.resolved} resolved${since}.`,
  ];
  if (summary.notRechecked.findings > 0) {
    lines.push(`${summary.notRechecked.findings} earlier finding(s) of ${summary.notRechecked.accounts} account(s) not re-checked this run are carried forward (neither new nor resolved).`);
  }
  const checks = (Object.keys(CHECKS) as CheckId[]).filter((c) => summary.byCheck[c] > 0);
  if (checks.length > 0) {
    const width = Math.max(...checks.map((c) => CHECKS[c].title.length));
    lines.push("", `  ${"CHECK".padEnd(width)}  SEVERITY  CIS   FINDINGS`);
    for (const c of checks) {
      lines.push(`  ${CHECKS[c].title.padEnd(width)}  ${CHECKS[c].severity.padEnd(8)}  ${(CHECKS[c].cisControl ?? "-").padEnd(4)}  ${summary.byCheck[c]}`);
    }
  }
  const { rules, acceptedRisks } = summary;
  if (acceptedRisks.findings + rules.expired.length + rules.stale.length > 0) {
    lines.push("", `Accepted risks: ${acceptedRisks.findings} finding(s) covered, not counted above.`);
    for (const rule of rules.expired) lines.push(`  expired on ${rule.expires}, no longer applied: ${ruleSubject(rule)} in ${rule.account} for ${rule.user} (${rule.owner})`);
    for (const rule of rules.stale) lines.push(`  matched nothing this run: ${ruleSubject(rule)} in ${rule.account} for ${rule.user} (${rule.owner})`);
  }
  const { notEvaluated } = summary;
  if (notEvaluated.accounts > 0) {
    lines.push("", `Checks not evaluated in ${notEvaluated.accounts} account(s), neither passing nor failing:`);
    lines.push(...notEvaluated.listed.map((a) => `  ${a.accountId}: ${a.checks.join(", ")} (${a.reason})`));
    if (notEvaluated.accounts > notEvaluated.listed.length) lines.push(`  ... and ${notEvaluated.accounts - notEvaluated.listed.length} more`);
  }
  if (summary.urgent.count > 0) {
    lines.push("", "New critical and high findings:");
    lines.push(...summary.urgent.listed.map((f) => `  [${f.severity}] ${f.message}`));
    if (summary.urgent.count > summary.urgent.listed.length) lines.push(`  ... and ${summary.urgent.count - summary.urgent.listed.length} more`);
  }
  for (const unreadable of summary.unreadableReports) lines.push(`Unreadable report: ${unreadable.error}`);
  return lines.join("\n");
}
