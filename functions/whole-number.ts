/**
 * The one whole-number check of the project: config values, command-line flags, Lambda settings
 * and thresholds all go through it.
 */

/** A whole number written in decimal digits, with an optional minus (not 0x10, 1e1 or Infinity); undefined otherwise. */
export function readWholeNumber(text: string): number | undefined {
  return /^-?\d+$/.test(text.trim()) ? Number(text) : undefined;
}

/** The problem with a value that must be a whole number within bounds, naming it; undefined when it is one. */
export function wholeNumberProblem(name: string, value: number, min: number, max: number): string | undefined {
  if (Number.isInteger(value) && value >= min && value <= max) return undefined;
  return `${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`;
}
