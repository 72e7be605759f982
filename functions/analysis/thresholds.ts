import { InvalidInput } from "../run/errors";
import { wholeNumberProblem } from "../whole-number";
import { DEFAULT_THRESHOLDS, type FindingThresholds } from "./findings";

/** The thresholds that are numbers (the other one, mfaForEveryUser, turns a check on). */
export type NumericThreshold = Exclude<keyof FindingThresholds, "mfaForEveryUser">;

/**
 * Each number's bounds, the environment variable the Lambdas (deployed or run by the CLI) read it
 * from, and the CLI's flag for it. IAM's own bounds for a password policy: length 6-128, reuse 1-24.
 */
export const THRESHOLD_SETTINGS: Record<NumericThreshold, { readonly min: number; readonly max: number; readonly env: string; readonly flag: string }> = {
  maxKeyAgeDays: { min: 1, max: 3650, env: "MAX_KEY_AGE_DAYS", flag: "--max-key-age-days" },
  unusedDays: { min: 1, max: 3650, env: "UNUSED_DAYS", flag: "--unused-days" },
  rootUseWindowDays: { min: 1, max: 3650, env: "ROOT_USE_WINDOW_DAYS", flag: "--root-use-window-days" },
  maxReportAgeHours: { min: 1, max: 720, env: "MAX_REPORT_AGE_HOURS", flag: "--max-report-age-hours" },
  minPasswordLength: { min: 6, max: 128, env: "MIN_PASSWORD_LENGTH", flag: "--min-password-length" },
  passwordReusePrevention: { min: 1, max: 24, env: "PASSWORD_REUSE_PREVENTION", flag: "--password-reuse-prevention" },
};

/** The switch of the optional check: its environment variable ("true" or "false") and the CLI's flag. */
export const MFA_FOR_EVERY_USER = { env: "MFA_FOR_EVERY_USER", flag: "--mfa-for-every-user" } as const;

export const NUMERIC_THRESHOLDS = Object.keys(THRESHOLD_SETTINGS) as NumericThreshold[];

/** Every out-of-range threshold, named as the caller names it (a config key, a variable). */
export function thresholdProblems(thresholds: FindingThresholds, nameOf: (key: NumericThreshold) => string = (key) => key): string[] {
  return NUMERIC_THRESHOLDS.flatMap((key) => {
    const { min, max } = THRESHOLD_SETTINGS[key];
    return wholeNumberProblem(nameOf(key), thresholds[key], min, max) ?? [];
  });
}

/** The thresholds a deployed Lambda reads from its environment; unset ones keep their default. */
export function thresholdsFromEnv(env: NodeJS.ProcessEnv): FindingThresholds {
  const problems: string[] = [];
  const numbers = Object.fromEntries(
    NUMERIC_THRESHOLDS.map((key) => {
      const raw = env[THRESHOLD_SETTINGS[key].env]?.trim();
      return [key, raw ? Number(raw) : DEFAULT_THRESHOLDS[key]];
    }),
  ) as Record<NumericThreshold, number>;
  const everyUser = env[MFA_FOR_EVERY_USER.env]?.trim();
  if (everyUser && everyUser !== "true" && everyUser !== "false") problems.push(`${MFA_FOR_EVERY_USER.env} must be true or false, got ${JSON.stringify(everyUser)}`);
  const thresholds: FindingThresholds = { ...numbers, mfaForEveryUser: everyUser ? everyUser === "true" : DEFAULT_THRESHOLDS.mfaForEveryUser };
  problems.push(...thresholdProblems(thresholds, (key) => THRESHOLD_SETTINGS[key].env));
  if (problems.length > 0) throw new InvalidInput(problems.join("; "));
  return thresholds;
}

/** The environment a deployed Lambda gets for the given thresholds. */
export function thresholdsEnv(thresholds: FindingThresholds): Record<string, string> {
  return {
    ...Object.fromEntries(NUMERIC_THRESHOLDS.map((key) => [THRESHOLD_SETTINGS[key].env, String(thresholds[key])])),
    [MFA_FOR_EVERY_USER.env]: String(thresholds.mfaForEveryUser),
  };
}
