import { notRecheckedCounts, urgentNewFindings } from "../functions/analysis/analyze-run";
import type { FindingChanges, StoredFinding } from "../functions/analysis/changes";
import { CHECKS, type CheckId, SEVERITIES } from "../functions/analysis/findings";
import type { FindingsSummary } from "../functions/analysis/summary";
import { MAX_URGENT_FINDINGS_LISTED } from "../functions/summarize/manifest";
import { type AcceptedRisk, type RiskDecisions, ruleSubject } from "../functions/analysis/accepted-risks";

/** The accepted risks as a run applied them, read back from its findings.json. */
export function riskDecisionsOf(stored: { findings: readonly StoredFinding[]; expiredRules?: readonly AcceptedRisk[]; staleRules?: readonly AcceptedRisk[] }): RiskDecisions {
  return {
    open: stored.findings.filter((f) => !f.acceptedRisk),
    accepted: stored.findings.flatMap((finding) => (finding.acceptedRisk ? [{ finding, rule: finding.acceptedRisk }] : [])),
    expired: stored.expiredRules ?? [],
    stale: stored.staleRules ?? [],
  };
}

/** The findings part of what the CLI prints: totals, counts by check, then the new urgent ones. */
export function formatFindingsSummary(summary: FindingsSummary, changes: FindingChanges, risks?: RiskDecisions): string {
  const severities = SEVERITIES.map((s) => `${summary.bySeverity[s]} ${s}`).join(", ");
  const since = changes.previousRunId ? ` since run ${changes.previousRunId}` : " (first run: no earlier one to compare with)";
  const acceptedIds = new Set(risks?.accepted.map(({ finding }) => finding.id));
  const newAccepted = changes.newFindings.filter((f) => acceptedIds.has(f.id)).length;
  const lines = [
    `Findings: ${summary.totals.findings} (${severities}) in ${summary.totals.accounts} accounts, ${summary.totals.users} users; ` +
      `${changes.newFindings.length} new${newAccepted > 0 ? ` (${newAccepted} of them accepted)` : ""}, ${changes.resolvedFindings.length} resolved${since}.`,
  ];
  const carried = notRecheckedCounts(changes);
  if (carried.findings > 0) {
    lines.push(`${carried.findings} earlier finding(s) of ${carried.accounts} account(s) not re-checked this run are carried forward (neither new nor resolved).`);
  }
  const checks = (Object.keys(CHECKS) as CheckId[]).filter((c) => summary.byCheck[c] > 0);
  if (checks.length > 0) {
    const width = Math.max(...checks.map((c) => CHECKS[c].title.length));
    lines.push("", `  ${"CHECK".padEnd(width)}  SEVERITY  CIS   FINDINGS`);
    for (const c of checks) {
      lines.push(`  ${CHECKS[c].title.padEnd(width)}  ${CHECKS[c].severity.padEnd(8)}  ${(CHECKS[c].cisControl ?? "-").padEnd(4)}  ${summary.byCheck[c]}`);
    }
  }
  if (risks && risks.accepted.length + risks.expired.length + risks.stale.length > 0) {
    lines.push("", `Accepted risks: ${risks.accepted.length} finding(s) covered, not counted above.`);
    for (const rule of risks.expired) lines.push(`  expired on ${rule.expires}, no longer applied: ${ruleSubject(rule)} in ${rule.account} for ${rule.user} (${rule.owner})`);
    for (const rule of risks.stale) lines.push(`  matched nothing this run: ${ruleSubject(rule)} in ${rule.account} for ${rule.user} (${rule.owner})`);
  }
  const urgent = urgentNewFindings(changes, risks);
  if (urgent.length > 0) {
    lines.push("", "New critical and high findings:");
    lines.push(...urgent.slice(0, MAX_URGENT_FINDINGS_LISTED).map((f) => `  [${f.severity}] ${f.message}`));
    if (urgent.length > MAX_URGENT_FINDINGS_LISTED) lines.push(`  ... and ${urgent.length - MAX_URGENT_FINDINGS_LISTED} more`);
  }
  for (const unreadable of summary.unreadableReports) lines.push(`Unreadable report: ${unreadable.error}`);
  return lines.join("\n");
}
