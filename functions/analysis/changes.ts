import type { AcceptedRisk } from "./accepted-risks";
import type { Finding } from "./findings";

/** A finding as a run stored it in findings.json: with when it was first seen, and the rule that accepted it. */
export interface StoredFinding extends Finding {
  /** The start of the first run it was seen in (absent in files of older versions). */
  readonly firstSeenAt?: string;
  readonly acceptedRisk?: AcceptedRisk;
  /** On a resolved finding: when the pipeline deactivated the key it was about (remediation), in the run before. */
  readonly fixedByPipelineAt?: string;
}

/** A finding of an account whose report was not read this run, carried forward as it was last seen. */
export interface CarriedFinding extends StoredFinding {
  /** The run the finding was last seen in. */
  readonly lastSeenRunId: string;
}

/** What changed since the previous run (`changes.json`). */
export interface FindingChanges {
  /** The run compared with; null for the first run, when every finding is new. */
  readonly previousRunId: string | null;
  /** Findings not known before: neither in the previous run nor carried forward by it. */
  readonly newFindings: readonly Finding[];
  /** Known findings of accounts re-checked this run that are gone: fixed, or their user removed. */
  readonly resolvedFindings: readonly StoredFinding[];
  /**
   * Known findings of accounts not re-checked this run (not collected, or the report unreadable):
   * neither new nor resolved, carried forward until their account is read again.
   */
  readonly notRechecked: readonly CarriedFinding[];
}
