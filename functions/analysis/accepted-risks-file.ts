import { LineCounter, parseDocument } from "yaml";
import { type AcceptedRisk, acceptedRisksOf, InvalidAcceptedRisks } from "./accepted-risks";

/**
 * Reads accepted risks from YAML or JSON: `acceptedRisks:` and a list of rules, each with every
 * field of AcceptedRisk (`kind: break-glass` rules have no check). Pure; throws
 * InvalidAcceptedRisks naming each problem by its line.
 *
 * Always the YAML 1.2 core schema, whatever `%YAML` directive the file starts with: under YAML 1.1
 * an unquoted 2026-02-30 is a timestamp, and a timestamp of a day February lacks rolls into March.
 * Read as text, it is checked against the calendar and refused.
 */
export function parseAcceptedRisks(text: string, source: string): AcceptedRisk[] {
  const lines = new LineCounter();
  const document = parseDocument(text, { schema: "core", lineCounter: lines, prettyErrors: false });
  if (document.errors.length > 0) {
    const [error] = document.errors;
    throw new InvalidAcceptedRisks(source, [`line ${lines.linePos(error.pos[0]).line}: not YAML or JSON: ${error.message.split("\n")[0]}`]);
  }
  return acceptedRisksOf(document.toJS(), source, (index, field) => {
    const node = document.getIn(field === undefined ? ["acceptedRisks", index] : ["acceptedRisks", index, field], true) as { range?: [number, number, number] } | undefined;
    return node?.range ? `line ${lines.linePos(node.range[0]).line}` : undefined;
  });
}
