import type { PolicyDocument, PolicyStatement } from "../../policies/document";

const CONTEXT_KEY = /^kms:encryptioncontext:(.+)$/i;

/** IAM's string operators (without IfExists): whether one value matches one pattern. */
const OPERATORS: Record<string, (value: string, pattern: string) => boolean> = {
  StringEquals: (value, pattern) => value === pattern,
  StringNotEquals: (value, pattern) => value !== pattern,
  StringLike: (value, pattern) => glob(pattern).test(value),
  StringNotLike: (value, pattern) => !glob(pattern).test(value),
};

/**
 * A policy with every kms:EncryptionContext:<key> condition decided on the request's own context:
 * a condition that holds is removed from its statement, and a statement whose condition fails is
 * removed (its Allow grants nothing, its Deny denies nothing). The IAM simulator cannot read these
 * keys (it drops them from the request), so without this every such condition would fail.
 * An operator other than the four string operators is thrown, never guessed.
 */
export function resolveEncryptionContext(policy: PolicyDocument, context: Readonly<Record<string, string | readonly string[]>>): PolicyDocument {
  const statements = policy.Statement.flatMap((statement): PolicyStatement[] => {
    if (!statement.Condition) return [statement];
    let holds = true;
    const kept: Record<string, Record<string, string | boolean | readonly string[]>> = {};
    for (const [operator, keys] of Object.entries(statement.Condition)) {
      for (const [key, patterns] of Object.entries(keys)) {
        if (!CONTEXT_KEY.test(key)) {
          kept[operator] = { ...kept[operator], [key]: patterns };
          continue;
        }
        const test = OPERATORS[operator];
        if (!test) throw new Error(`statement ${statement.Sid}: ${operator} on ${key} cannot be judged here`);
        const value = Object.entries(context).find(([name]) => name.toLowerCase() === key.toLowerCase())?.[1];
        const values = [patterns].flat().map(String);
        // As IAM: a negated operator holds for a missing key or a value that matches none; a positive one for a value that matches one.
        const negated = operator.startsWith("StringNot");
        const matches = value === undefined ? negated : negated ? values.every((p) => test(String(value), p)) : values.some((p) => test(String(value), p));
        holds &&= matches;
      }
    }
    if (!holds) return [];
    const { Condition: _decided, ...rest } = statement;
    return [Object.keys(kept).length > 0 ? { ...rest, Condition: kept } : rest];
  });
  return { ...policy, Statement: statements };
}

/** IAM's wildcards: * any run of characters, ? one. */
function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
}
