import { type AwsSecurityFinding, BatchImportFindingsCommand, type SecurityHubClient } from "@aws-sdk/client-securityhub";
import pLimit from "p-limit";
import type { AccountImport } from "../analysis/security-hub-findings";
import type { SecurityHubResult } from "../run/contracts";
import { describeAwsError } from "../run/errors";
import type { Log } from "../log";

export interface SecurityHubDeps {
  /** A client acting as the account: BatchImportFindings takes only an account's own findings. */
  readonly clientFor: (accountId: string) => Promise<SecurityHubClient>;
  readonly log: Log;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What a run's import came to: its counts, or why nothing was sent. */
export type SecurityHubOutcome = SecurityHubResult | { readonly error: string };

/** The API takes at most 100 findings a call (and 6 MB; ours are about 2 KB each). */
export const FINDINGS_PER_CALL = 100;
/** BatchImportFindings' rate: 10 calls a second per account and region (burst 30); calls in one account keep under it. */
export const MIN_MS_BETWEEN_CALLS = 100;
/** Tries of a finding that Security Hub answers as failed, the first included. */
export const TRIES_PER_FINDING = 3;
/** Member accounts worked on at once: each has its own rate. */
const ACCOUNTS_AT_ONCE = 16;
/** Failures named in the result; the count has them all. */
export const MAX_FAILURES_LISTED = 20;

/**
 * Sends each account's findings to its own Security Hub, ACTIVE and ARCHIVED in batches of 100,
 * then archives the twins of findings whose accepted risk began or ended (accountImport). Only
 * BatchImportFindings, which reaches the account's own product alone. Findings Security Hub
 * refuses are tried again, twice, after a pause; throttling is the SDK's to retry. An account
 * that cannot be reached or refuses the call for good (its role, Security Hub not enabled) is
 * named at once and the others go on.
 */
export async function sendToSecurityHub(imports: readonly AccountImport[], deps: SecurityHubDeps): Promise<SecurityHubResult> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const limit = pLimit(ACCOUNTS_AT_ONCE);
  const failed: { accountId: string; id?: string; error: string }[] = [];
  const totals = { imported: 0, suppressed: 0, archived: 0, workflowUpdated: 0 };
  await Promise.all(
    imports.map((account) =>
      limit(async () => {
        let client: SecurityHubClient;
        try {
          client = await deps.clientFor(account.accountId);
        } catch (err) {
          const aws = describeAwsError(err);
          failed.push({ accountId: account.accountId, error: `${aws.code}: ${aws.message}` });
          return;
        }
        const paced = pacer(sleep);
        const importAll = async (findings: readonly AwsSecurityFinding[], sent: (finding: AwsSecurityFinding) => void) => {
          for (let start = 0; start < findings.length; start += FINDINGS_PER_CALL) {
            let pending = findings.slice(start, start + FINDINGS_PER_CALL);
            for (let attempt = 1; pending.length > 0; attempt++) {
              await paced();
              let refused: readonly { id?: string; error: string }[];
              try {
                const answer = await client.send(new BatchImportFindingsCommand({ Findings: pending }));
                refused = (answer.FailedFindings ?? []).map((f) => ({ id: f.Id, error: `${f.ErrorCode}: ${f.ErrorMessage}` }));
              } catch (err) {
                const aws = describeAwsError(err);
                refused = pending.map((finding) => ({ id: finding.Id, error: `${aws.code}: ${aws.message}` }));
                // Refused as a whole for good (the role, Security Hub not enabled): no point in trying again.
                if (!aws.transient) attempt = TRIES_PER_FINDING;
              }
              const again = new Set(refused.map((r) => r.id));
              for (const finding of pending.filter((finding) => !again.has(finding.Id))) sent(finding);
              if (attempt >= TRIES_PER_FINDING) {
                failed.push(...refused.map((r) => ({ accountId: account.accountId, ...r })));
                break;
              }
              pending = pending.filter((finding) => again.has(finding.Id));
              if (pending.length > 0) await sleep(500 * 2 ** attempt);
            }
          }
        };
        await importAll(account.findings, (finding) => {
          if (finding.RecordState === "ARCHIVED") totals.archived++;
          else totals.imported++;
          if (finding.RecordState !== "ARCHIVED" && finding.Workflow?.Status === "SUPPRESSED") totals.suppressed++;
        });
        let twinsSent = 0;
        await importAll(account.twins, () => twinsSent++);
        // A change is made when its twin is archived too; a failed twin is named among the failures.
        if (twinsSent === account.twins.length) totals.workflowUpdated += account.stateChanges;
      }),
    ),
  );
  failed.sort((a, b) => a.accountId.localeCompare(b.accountId) || (a.id ?? "").localeCompare(b.id ?? ""));
  if (failed.length > 0) deps.log("security-hub-failed", { failed: failed.length, first: failed[0] });
  return { accounts: imports.length, ...totals, failedCount: failed.length, failed: failed.slice(0, MAX_FAILURES_LISTED) };
}

/** Waits, when needed, so that calls are at least MIN_MS_BETWEEN_CALLS apart. */
function pacer(sleep: (ms: number) => Promise<void>): () => Promise<void> {
  let last = 0;
  return async () => {
    const wait = last + MIN_MS_BETWEEN_CALLS - Date.now();
    if (wait > 0) await sleep(wait);
    last = Date.now();
  };
}
