import type { PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { analysisKey } from "../run/report-keys";
import type { RunRef } from "../run/contracts";
import type { FindingsDigest, Manifest } from "./manifest";
import type { SecurityHubOutcome } from "../aws/security-hub";

/** The event's source and detail-type: what a rule matches on (README, "Run events"). */
export const RUN_EVENT_SOURCE = "org-credential-reports";
export const RUN_EVENT_DETAIL_TYPE = "Credential Report Run Completed";

/** An event entry may hold 256 KB: the accounts not re-checked are listed up to this many. */
export const MAX_ACCOUNTS_IN_EVENT = 100;

/** The one event a run puts on the default bus when it is summarised. Pure. */
export function runCompletedEvent(
  run: RunRef,
  manifest: Manifest,
  bucket: string,
  manifestKey: string,
  findings?: FindingsDigest,
  analysisError?: string,
  securityHub?: SecurityHubOutcome,
): PutEventsRequestEntry {
  const detail = {
    runId: run.id,
    startedAt: run.startedAt,
    counts: manifest.counts,
    findings: findings
      ? {
          total: findings.total,
          bySeverity: findings.bySeverity,
          new: findings.newCount,
          newCriticalOrHigh: findings.urgentCount,
          resolved: findings.resolvedCount,
          notRechecked: { findings: findings.notRechecked.findings, accounts: findings.notRechecked.accountIds.length },
          notEvaluated: { accounts: findings.notEvaluated.accounts, byCheck: findings.notEvaluated.byCheck },
          unreadableReports: findings.unreadableReports.length,
        }
      : null,
    // What the pipeline did about unused keys: each action, with its undo command, is in the run's actions.jsonl.
    ...(findings?.remediation ? { remediation: { ...findings.remediation, actions: `s3://${bucket}/${analysisKey(run, "actions")}` } } : {}),
    unreadableAccounts: (findings?.unreadableReports ?? []).slice(0, MAX_ACCOUNTS_IN_EVENT).map((r) => r.accountId),
    notRecheckedAccounts: (findings?.notRechecked.accountIds ?? []).slice(0, MAX_ACCOUNTS_IN_EVENT),
    ...(analysisError ? { analysisError } : {}),
    ...(securityHub
      ? {
          securityHub:
            "error" in securityHub
              ? { error: securityHub.error }
              : { imported: securityHub.imported, suppressed: securityHub.suppressed, archived: securityHub.archived, workflowUpdated: securityHub.workflowUpdated, failed: securityHub.failedCount },
        }
      : {}),
    manifest: `s3://${bucket}/${manifestKey}`,
    report: findings ? `s3://${bucket}/${analysisKey(run, "html")}` : null,
  };
  return { Source: RUN_EVENT_SOURCE, DetailType: RUN_EVENT_DETAIL_TYPE, Detail: JSON.stringify(detail) };
}
