import type { IAMClient } from "@aws-sdk/client-iam";
import type { SecurityHubClient } from "@aws-sdk/client-securityhub";
import { type AccountAnalysis, type AccountRead, type AccountRemediation, analyzeAccount } from "./analysis/account-analysis";
import { type DueKey, type KeyAction, type KeysBefore, keysToDeactivate, type RemediationSettings } from "./analysis/fixes/key-remediation";
import { withRetries } from "./aws/with-retries";
import { deactivateKeys } from "./aws/deactivate-keys";
import type { AcceptedRisk } from "./analysis/accepted-risks";
import type { ParsedReport } from "./analysis/credential-report";
import type { FindingThresholds } from "./analysis/findings";
import { accountImport } from "./analysis/security-hub-findings";
import { recordedKeyAction, recordKeyAction, type StoreDeps, storeAccountAnalysis } from "./storage/analysis-store";
import type { RunRef, SecurityHubResult } from "./run/contracts";
import type { Log } from "./log";
import { analysisKey } from "./run/report-keys";
import { sendToSecurityHub } from "./aws/security-hub";

/** How every account of a run is analysed: the stack's thresholds and accepted risks, and Security Hub. */
export interface AnalysisSettings {
  readonly thresholds: FindingThresholds;
  readonly acceptedRisks: readonly AcceptedRisk[];
  /** Send each account's findings to its own Security Hub in this region; unset, nothing is sent. */
  readonly securityHub?: { readonly partition: string; readonly region: string };
  /** Deactivate unused access keys (only where the report is read, with the account's session). @default off */
  readonly remediation?: RemediationSettings;
}

/** What analysing one account came to. */
export interface AnalysedAccount {
  readonly analysis: AccountAnalysis;
  readonly report?: ParsedReport;
  /** What reached the account's Security Hub, when it is on and something was to be sent. */
  readonly securityHub?: SecurityHubResult;
}

/**
 * One account's analysis, where its report is read: its findings and what changed since the run
 * before; with remediation on, its due unused keys deactivated through `iam` (the session held in
 * the account) and recorded at once; with Security Hub on sent to the account's own Security Hub
 * through `hub`; then stored beside the report (once).
 */
export async function analyseAccount(
  input: AccountRead,
  settings: AnalysisSettings,
  deps: StoreDeps & { readonly log: Log; readonly sleep?: (ms: number) => Promise<void> },
  hub?: () => Promise<SecurityHubClient>,
  keys?: KeysInAccount,
): Promise<AnalysedAccount> {
  const { report, ...found } = analyzeAccount({ ...input, thresholds: settings.thresholds, acceptedRisks: settings.acceptedRisks });
  const remediation =
    settings.remediation?.enabled && keys?.iam
      ? await remediate(found, { acceptedIds: found.acceptedBeforeIds, scheduled: input.known?.scheduled }, settings.remediation, keys.iam, deps)
      : keys?.recorded?.length
        ? { actions: keys.recorded, scheduled: [] }
        : undefined;
  const analysis = remediation ? { ...found, remediation } : found;
  // Sent before the analysis is stored: a stored analysis is one whose findings were sent (a
  // try cut short in between sends them again; an import of the same ids changes nothing).
  const toSend = settings.securityHub && hub ? accountImport(analysis, { ...importContext(input.run, settings.securityHub, deps.bucket), thresholds: settings.thresholds }) : undefined;
  const securityHub = toSend ? await sendToSecurityHub([toSend], { clientFor: () => hub!(), log: deps.log, ...(deps.sleep ? { sleep: deps.sleep } : {}) }) : undefined;
  await storeAccountAnalysis(deps, { ...analysis, ...(input.iam ? { iam: input.iam } : {}) });
  return { analysis, ...(report ? { report } : {}), ...(securityHub ? { securityHub } : {}) };
}

/**
 * The account's keys, for remediation: the session held in it (the collector's), or what the
 * collector recorded doing before it left the analysis to Summarize, which keeps it.
 */
export interface KeysInAccount {
  readonly iam?: IAMClient;
  readonly recorded?: readonly KeyAction[];
}

/** The account's due keys deactivated (or, in a dry run, named) and recorded; undefined when none is due or coming due. */
async function remediate(
  analysis: AccountAnalysis,
  before: KeysBefore,
  settings: RemediationSettings,
  iam: IAMClient,
  deps: StoreDeps & { readonly log: Log; readonly retryPauseMs?: number },
): Promise<AccountRemediation | undefined> {
  const { due, scheduled } = keysToDeactivate(analysis.findings, new Date(analysis.run.startedAt), settings, before);
  if (due.length === 0 && scheduled.length === 0) return undefined;
  const retry = <T>(work: () => Promise<T>) => withRetries(work, deps.retryPauseMs);
  const records = {
    recorded: (key: DueKey) => retry(() => recordedKeyAction(deps, analysis.run, analysis.accountId, key.finding.user, key.finding.credential)),
    record: (action: KeyAction) => retry(() => recordKeyAction(deps, analysis.run, action)),
  };
  const actions = await deactivateKeys(iam, due, settings, new Date(), records);
  // Counts only: the user names and key ids are in the run's files, not in the logs.
  const count = (outcome: string) => actions.filter((a) => a.outcome === outcome).length;
  if (actions.length > 0) deps.log("keys-remediated", { accountId: analysis.accountId, deactivated: count("deactivated"), wouldDeactivate: count("would-deactivate"), left: count("left") });
  return { actions, scheduled };
}

/** Where every imported finding says it comes from: the run, and its page in the S3 console. */
function importContext(run: RunRef, hub: { readonly partition: string; readonly region: string }, bucket: string) {
  const page = analysisKey(run, "html");
  return {
    partition: hub.partition,
    region: hub.region,
    runId: run.id,
    runStartedAt: new Date(run.startedAt).toISOString(),
    now: new Date().toISOString(),
    pageUrl: `https://s3.console.aws.amazon.com/s3/object/${bucket}?region=${hub.region}&prefix=${encodeURIComponent(page)}`,
  };
}
