import { MAX_UNCOLLECTED_LISTED, type RunCoverage } from "../org-report/page-model";
import type { StoredSummary } from "../org-report/run-combiner";
import type { UnreadableReport } from "../org-report/summary";
import { type AccountOutcome, type CaughtError, countByStatus, type RunRef, type SkippedAccount } from "../run/contracts";
import { runDate, runPrefix } from "../run/report-keys";

/** What S3 says about a stored report: read back, so the manifest states what is there. */
export interface StoredReport {
  readonly key: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly reportGeneratedAt: string;
}

/**
 * The read-back of one collected account's report: its metadata; only that it is listed (its
 * metadata could not be read, say S3 kept answering 503); or that no object is there.
 */
export type ReadBack =
  | { readonly kind: "verified"; readonly report: StoredReport }
  | { readonly kind: "unverified"; readonly key: string; readonly bytes: number; readonly reason: string }
  | { readonly kind: "missing"; readonly reason: string };

export interface ManifestEntry {
  readonly accountId: string;
  readonly name: string;
  readonly status: "collected" | "failed" | "skipped";
  readonly attempts: number;
  readonly key?: string;
  readonly bytes?: number;
  readonly sha256?: string;
  readonly reportGeneratedAt?: string;
  /** For a collected report that is listed but whose checksum and metadata could not be read back: why. */
  readonly unverified?: string;
  /** For skipped accounts: the Organizations status (SUSPENDED, ...) or EXCLUDED. */
  readonly skipReason?: string;
  readonly errorType?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

export interface Manifest {
  readonly schemaVersion: 1;
  readonly runId: string;
  readonly date: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly prefix: string;
  readonly counts: {
    readonly accounts: number;
    readonly collected: number;
    readonly failed: number;
    readonly skipped: number;
    readonly skippedByStatus: Record<string, number>;
    /** Collected reports that are stored but whose metadata could not be read back. */
    readonly unverified: number;
  };
  readonly accounts: ManifestEntry[];
}

/** What the page says of the accounts a run covered: the counts, and the first failed and skipped accounts with why. */
export function coverageOf(manifest: Pick<Manifest, "counts" | "accounts">): RunCoverage {
  const { collected, failed, skipped } = manifest.counts;
  const named = (status: ManifestEntry["status"], why: (entry: ManifestEntry) => string) =>
    manifest.accounts
      .filter((entry) => entry.status === status)
      .slice(0, MAX_UNCOLLECTED_LISTED)
      .map((entry) => ({ accountId: entry.accountId, name: entry.name, why: why(entry) }));
  return {
    counts: { collected, failed, skipped },
    failed: named("failed", (e) => `${e.errorType} ${e.errorCode}: ${e.errorMessage}`),
    skipped: named("skipped", (e) => e.skipReason ?? "skipped"),
  };
}

/** Error, code and message of a caught failure, whether Lambda's JSON cause or a plain one. */
export function describeCaughtError(caught: CaughtError): { type: string; code: string; message: string } {
  let type = caught.Error;
  let text = caught.Cause ?? "";
  try {
    // A Lambda error reaches the Catch as {"errorType", "errorMessage", "trace"}.
    const cause = JSON.parse(text) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof cause.errorMessage === "string") {
      text = cause.errorMessage;
      if (typeof cause.errorType === "string") type = cause.errorType;
    }
  } catch {
    // Not JSON: a Step Functions error such as States.Timeout, with a plain-text cause.
  }
  // Our errors put the AWS code first: "AccessDenied: User ... is not authorized ...".
  const coded = /^([A-Za-z][\w.]*): ([\s\S]*)$/.exec(text);
  return coded ? { type, code: coded[1], message: coded[2] } : { type, code: type, message: text };
}

/**
 * Pure: the manifest of a run. A collected account with no object at its key is listed as failed:
 * the manifest only vouches for what is in the bucket. One whose object is there but could not be
 * read back stays collected, marked unverified with the reason.
 */
export function buildManifest(
  run: RunRef,
  outcomes: readonly AccountOutcome[],
  skipped: readonly SkippedAccount[],
  stored: ReadonlyMap<string, ReadBack>,
  endedAt: Date,
): Manifest {
  const entries: ManifestEntry[] = outcomes.map((outcome) => {
    const base = { accountId: outcome.id, name: outcome.name, attempts: outcome.attempts };
    if (outcome.status === "failed") {
      const error = describeCaughtError(outcome.error);
      return { ...base, status: "failed", errorType: error.type, errorCode: error.code, errorMessage: error.message };
    }
    const readBack = stored.get(outcome.id);
    if (readBack === undefined || readBack.kind === "missing") {
      const message = readBack?.reason ?? "no stored report was looked up";
      return { ...base, status: "failed", errorType: "ReportMissing", errorCode: "ReportMissing", errorMessage: message };
    }
    if (readBack.kind === "unverified") {
      return { ...base, status: "collected", key: readBack.key, bytes: readBack.bytes, unverified: readBack.reason };
    }
    return { ...base, status: "collected", ...readBack.report };
  });
  for (const account of skipped) {
    entries.push({ accountId: account.id, name: account.name, status: "skipped", attempts: 0, skipReason: account.status });
  }
  entries.sort((a, b) => a.accountId.localeCompare(b.accountId));

  const count = (status: ManifestEntry["status"]) => entries.filter((entry) => entry.status === status).length;
  return {
    schemaVersion: 1,
    runId: run.id,
    date: runDate(run),
    startedAt: run.startedAt,
    endedAt: endedAt.toISOString(),
    prefix: runPrefix(run),
    counts: {
      accounts: entries.length,
      collected: count("collected"),
      failed: count("failed"),
      skipped: count("skipped"),
      skippedByStatus: countByStatus(skipped),
      unverified: entries.filter((entry) => entry.unverified !== undefined).length,
    },
    accounts: entries,
  };
}

/** SNS caps a message at 256 KB; a run with thousands of failures lists the first ones only. */
export const MAX_FAILURES_LISTED = 50;


/** What the run summary says about findings. */
export interface FindingsDigest {
  readonly bySeverity: Readonly<Record<string, number>>;
  readonly total: number;
  readonly newCount: number;
  readonly resolvedCount: number;
  /** Known findings carried forward, and the accounts not re-checked this run they belong to (sorted). */
  readonly notRechecked: { readonly findings: number; readonly accountIds: readonly string[] };
  readonly previousRunId: string | null;
  /** New critical and high findings, most severe first: the first MAX_URGENT_LISTED of run-combiner.ts (the SNS mail stays readable). */
  readonly urgent: readonly { readonly severity: string; readonly message: string }[];
  /** How many new critical and high findings there are in all. */
  readonly urgentCount: number;
  /** Checks IAM's answers left undecided: in how many accounts, and the first of them. */
  readonly notEvaluated: StoredSummary["notEvaluated"];
  /** Collected reports that could not be read: their accounts' findings are carried, so they are named as failures. */
  readonly unreadableReports: readonly UnreadableReport[];
  readonly reportKey: string;
  /** What the pipeline did about unused keys (remediation), as summary.json counts it. */
  readonly remediation?: StoredSummary["remediation"];
}

/** The run summary sent to SNS when any account failed or a new critical or high finding appeared. */
export function runSummaryMessage(manifest: Manifest, bucket: string, manifestKey: string, findings?: FindingsDigest): string {
  const { counts } = manifest;
  const failed = manifest.accounts.filter((entry) => entry.status === "failed");
  const skipped = Object.entries(counts.skippedByStatus)
    .map(([status, n]) => `${n} ${status}`)
    .join(", ");
  const lines = [
    `Credential report run ${manifest.runId} (${manifest.date}): ${counts.collected} collected, ${counts.failed} failed, ${counts.skipped} skipped${skipped ? ` (${skipped})` : ""}.`,
  ];
  if (counts.unverified > 0) {
    lines.push(`${counts.unverified} collected report(s) are stored but could not be read back to check their checksum; see the manifest.`);
  }
  if (failed.length > 0) {
    lines.push(
      "",
      "Failed accounts:",
      ...failed
        .slice(0, MAX_FAILURES_LISTED)
        .map((entry) => `- ${entry.accountId} (${entry.name}): ${entry.errorType} ${entry.errorCode}: ${entry.errorMessage}`),
    );
    if (failed.length > MAX_FAILURES_LISTED) lines.push(`- ... and ${failed.length - MAX_FAILURES_LISTED} more`);
  }
  if (findings && findings.unreadableReports.length > 0) {
    const unreadable = findings.unreadableReports;
    lines.push(
      "",
      "Reports stored but not readable (these accounts' earlier findings are carried, neither re-checked nor resolved):",
      ...unreadable.slice(0, MAX_FAILURES_LISTED).map((r) => `- ${r.accountId}: ${r.error}`),
    );
    if (unreadable.length > MAX_FAILURES_LISTED) lines.push(`- ... and ${unreadable.length - MAX_FAILURES_LISTED} more`);
  }
  if (findings) {
    const bySeverity = Object.entries(findings.bySeverity)
      .map(([severity, n]) => `${n} ${severity}`)
      .join(", ");
    const since = findings.previousRunId ? ` since run ${findings.previousRunId}` : " (no earlier run to compare with)";
    lines.push("", `Findings: ${findings.total} (${bySeverity}); ${findings.newCount} new, ${findings.resolvedCount} resolved${since}.`);
    if (findings.notRechecked.findings > 0) {
      lines.push(
        `${findings.notRechecked.findings} earlier finding(s) of ${findings.notRechecked.accountIds.length} account(s) not re-checked this run are carried forward: neither new nor resolved until their report is read again.`,
      );
    }
    if (findings.notEvaluated.accounts > 0) {
      lines.push(
        "",
        `Checks not evaluated in ${findings.notEvaluated.accounts} account(s), neither passing nor failing (their earlier findings are carried):`,
        ...findings.notEvaluated.listed.map((a) => `- ${a.accountId}: ${a.checks.join(", ")} (${a.reason})`),
      );
      if (findings.notEvaluated.accounts > findings.notEvaluated.listed.length) lines.push(`- ... and ${findings.notEvaluated.accounts - findings.notEvaluated.listed.length} more`);
    }
    if (findings.urgent.length > 0) {
      lines.push(
        "",
        "New critical and high findings:",
        ...findings.urgent.map((f) => `- [${f.severity}] ${f.message}`),
      );
      if (findings.urgentCount > findings.urgent.length) lines.push(`- ... and ${findings.urgentCount - findings.urgent.length} more`);
    }
    lines.push("", `Report: s3://${bucket}/${findings.reportKey}`);
  } else {
    lines.push("");
  }
  lines.push(`Manifest: s3://${bucket}/${manifestKey}`);
  return lines.join("\n");
}
