import type { Finding } from "./findings";

/** What changed since the previous run (`changes.json`). */
export interface FindingChanges {
  /** The run compared with; null for the first run, when every finding is new. */
  readonly previousRunId: string | null;
  readonly newFindings: readonly Finding[];
  /** Findings of the previous run that are gone: fixed, or their user or account removed. */
  readonly resolvedFindings: readonly Finding[];
}

/** New and resolved findings, matched by their stable id. Pure. */
export function findingChanges(current: readonly Finding[], previous: { runId: string; findings: readonly Finding[] } | undefined): FindingChanges {
  const before = new Set((previous?.findings ?? []).map((f) => f.id));
  const now = new Set(current.map((f) => f.id));
  return {
    previousRunId: previous?.runId ?? null,
    newFindings: current.filter((f) => !before.has(f.id)),
    resolvedFindings: (previous?.findings ?? []).filter((f) => !now.has(f.id)),
  };
}
