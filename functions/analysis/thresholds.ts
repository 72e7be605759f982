import { InvalidInput } from "../errors";
import { wholeNumberProblem } from "../whole-number";
import { DEFAULT_THRESHOLDS, type FindingThresholds } from "./findings";

/**
 * Each threshold's bounds, the environment variable Summarize (deployed or run by the CLI) reads
 * it from, and the CLI's flag for it.
 */
export const THRESHOLD_SETTINGS: Record<keyof FindingThresholds, { readonly min: number; readonly max: number; readonly env: string; readonly flag: string }> = {
  maxKeyAgeDays: { min: 1, max: 3650, env: "MAX_KEY_AGE_DAYS", flag: "--max-key-age-days" },
  unusedDays: { min: 1, max: 3650, env: "UNUSED_DAYS", flag: "--unused-days" },
  rootUseWindowDays: { min: 1, max: 3650, env: "ROOT_USE_WINDOW_DAYS", flag: "--root-use-window-days" },
  maxReportAgeHours: { min: 1, max: 720, env: "MAX_REPORT_AGE_HOURS", flag: "--max-report-age-hours" },
};

/** Every out-of-range threshold, named as the caller names it (a config key, a variable). */
export function thresholdProblems(thresholds: FindingThresholds, nameOf: (key: keyof FindingThresholds) => string = (key) => key): string[] {
  return (Object.keys(THRESHOLD_SETTINGS) as (keyof FindingThresholds)[]).flatMap((key) => {
    const { min, max } = THRESHOLD_SETTINGS[key];
    return wholeNumberProblem(nameOf(key), thresholds[key], min, max) ?? [];
  });
}

/** The thresholds a deployed Summarize reads from its environment; unset ones keep their default. */
export function thresholdsFromEnv(env: NodeJS.ProcessEnv): FindingThresholds {
  const read = (key: keyof FindingThresholds) => {
    const raw = env[THRESHOLD_SETTINGS[key].env]?.trim();
    return raw ? Number(raw) : DEFAULT_THRESHOLDS[key];
  };
  const thresholds: FindingThresholds = {
    maxKeyAgeDays: read("maxKeyAgeDays"),
    unusedDays: read("unusedDays"),
    rootUseWindowDays: read("rootUseWindowDays"),
    maxReportAgeHours: read("maxReportAgeHours"),
  };
  const problems = thresholdProblems(thresholds, (key) => THRESHOLD_SETTINGS[key].env);
  if (problems.length > 0) throw new InvalidInput(problems.join("; "));
  return thresholds;
}

/** The environment a deployed Summarize gets for the given thresholds. */
export function thresholdsEnv(thresholds: FindingThresholds): Record<string, string> {
  return Object.fromEntries((Object.keys(THRESHOLD_SETTINGS) as (keyof FindingThresholds)[]).map((key) => [THRESHOLD_SETTINGS[key].env, String(thresholds[key])]));
}
