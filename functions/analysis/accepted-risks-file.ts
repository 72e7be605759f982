import { parse } from "yaml";
import { type AcceptedRisk, acceptedRisksOf, InvalidAcceptedRisks } from "./accepted-risks";

/**
 * Reads accepted risks from YAML or JSON: `acceptedRisks:` and a list of rules, each with every
 * field of AcceptedRisk (`kind: break-glass` rules have no check). Pure; throws
 * InvalidAcceptedRisks naming each problem by its place.
 */
export function parseAcceptedRisks(text: string, source: string): AcceptedRisk[] {
  let document: unknown;
  try {
    document = parse(text);
  } catch (err) {
    throw new InvalidAcceptedRisks(source, [`not YAML or JSON: ${(err as Error).message.split("\n")[0]}`]);
  }
  return acceptedRisksOf(document, source);
}

