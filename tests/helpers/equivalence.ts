import { expect } from "chai";
import type { StoredFinding } from "../../functions/analysis/changes";
import type { FindingChanges } from "../../functions/analysis/changes";

/** The parts of a run's files both analyses must agree on, in an order that does not depend on how they were written. */
export function comparable(files: { findings: string; changes: string; users: string }) {
  const byId = <T extends { id: string }>(list: readonly T[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));
  const stored = JSON.parse(files.findings) as { runId: string; thresholds: unknown; findings: StoredFinding[]; expiredRules: unknown; staleRules: unknown };
  const changes = JSON.parse(files.changes) as FindingChanges;
  return {
    findings: { ...stored, findings: byId(stored.findings) },
    changes: { ...changes, newFindings: byId(changes.newFindings), resolvedFindings: byId(changes.resolvedFindings), notRechecked: byId(changes.notRechecked) },
    users: files.users,
  };
}

/** Asserts that the streaming path's files say what today's analysis says. */
export function expectSameAnswers(streamed: { findings: string; changes: string; users: string }, reference: { findings: string; changes: string; users: string }, what: string): void {
  const a = comparable(streamed);
  const b = comparable(reference);
  expect(a.findings.findings.length, `${what}: findings`).to.equal(b.findings.findings.length);
  expect(a.findings, `${what}: findings.json`).to.deep.equal(b.findings);
  expect(a.changes, `${what}: changes.json`).to.deep.equal(b.changes);
  expect(a.users, `${what}: users.csv`).to.equal(b.users);
}
