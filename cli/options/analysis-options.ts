import { readFile } from "node:fs/promises";
import { type AcceptedRisk, InvalidAcceptedRisks } from "../../functions/analysis/accepted-risks";
import { parseAcceptedRisks } from "../../functions/analysis/accepted-risks-file";
import { DEFAULT_THRESHOLDS, type FindingThresholds } from "../../functions/analysis/findings";
import { MFA_FOR_EVERY_USER, NUMERIC_THRESHOLDS, type NumericThreshold, THRESHOLD_SETTINGS, thresholdsFromEnv } from "../../functions/analysis/thresholds";
import { wholeNumberFlag } from "./flag-checks";
import type { Option } from "./option-table";

/** What each threshold decides, for the help. */
const THRESHOLD_HELP: Record<NumericThreshold, string> = {
  maxKeyAgeDays: "an active key rotated longer ago is old",
  unusedDays: "an active credential unused this long is unused",
  rootUseWindowDays: "root use within this many days is reported",
  maxReportAgeHours: "a report generated longer before the run is stale",
  minPasswordLength: "the password policy's least length",
  passwordReusePrevention: "the earlier passwords it must remember",
};

/** The finding thresholds' flags: run and summarize take the same, as the Lambdas' variables. */
export const THRESHOLD_OPTIONS: readonly Option[] = [
  ...NUMERIC_THRESHOLDS.map((key): Option => {
    const { flag, min, max, env } = THRESHOLD_SETTINGS[key];
    return { flag: flag as `--${string}`, type: "string", value: "N", help: `${THRESHOLD_HELP[key]}, ${min}-${max} [${env}, else ${DEFAULT_THRESHOLDS[key]}]` };
  }),
  { flag: MFA_FOR_EVERY_USER.flag, type: "boolean", help: `also report users without MFA who have no console password [${MFA_FOR_EVERY_USER.env}]` },
];

/**
 * The finding thresholds: each flag, else its environment variable (as the Lambda reads it), else
 * the default. Problems are added to `problems`, each naming the flag or the variable.
 */
export function thresholdFlags(values: Readonly<Record<string, string | string[] | boolean | undefined>>, problems: string[]): FindingThresholds {
  let fromEnv: FindingThresholds = DEFAULT_THRESHOLDS;
  try {
    fromEnv = thresholdsFromEnv(process.env);
  } catch (err) {
    problems.push(`in the environment: ${(err as Error).message.replace(/^InvalidInput: /, "")}`);
  }
  const numbers = Object.fromEntries(
    NUMERIC_THRESHOLDS.map((key) => {
      const { flag, min, max } = THRESHOLD_SETTINGS[key];
      const checked = wholeNumberFlag(flag, values[flag.slice(2)] as string | undefined, fromEnv[key], min, max);
      if (checked.problem) problems.push(checked.problem);
      return [key, checked.value];
    }),
  ) as Record<NumericThreshold, number>;
  return { ...numbers, mfaForEveryUser: (values[MFA_FOR_EVERY_USER.flag.slice(2)] as boolean | undefined) || fromEnv.mfaForEveryUser };
}

/** Whether any threshold was set by a flag or by its environment variable. */
export function thresholdsGiven(values: Readonly<Record<string, string | string[] | boolean | undefined>>): boolean {
  const settings = [...NUMERIC_THRESHOLDS.map((key) => THRESHOLD_SETTINGS[key]), MFA_FOR_EVERY_USER];
  return settings.some(({ flag, env }) => values[flag.slice(2)] !== undefined || process.env[env] !== undefined);
}

/** The accepted risks file of --accepted-risks, checked as the deployed rules are; its problems are the flag's. */
export async function acceptedRisksFlag(path: string, problems: string[]): Promise<AcceptedRisk[] | undefined> {
  try {
    return parseAcceptedRisks(await readFile(path, "utf8"), path);
  } catch (err) {
    if (err instanceof InvalidAcceptedRisks) problems.push(`--accepted-risks ${err.message}`);
    else problems.push(`--accepted-risks: cannot read ${JSON.stringify(path)}: ${(err as Error).message}`);
    return undefined;
  }
}
