import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type AcceptedRisk, acceptedRisksOf } from "../analysis/accepted-risks";
import { DEFAULT_REMEDIATION, MIN_UNUSED_DAYS, type RemediationSettings } from "../analysis/fixes/key-remediation";
import { OWNER_SOURCES, type OwnerSettings, type OwnerSource, ownerRulesOf } from "../run/owners";
import { LAMBDA_ENV, listEnv } from "./lambda-env";

/**
 * The accepted risks packaged with a function (the file an environment variable names, in the
 * function's folder): JSON made at deploy time from the stack's file, which `pulumi preview`
 * checked, so the function needs no YAML parser. None when the variable is unset.
 */
export function packagedAcceptedRisks(file: string | undefined): AcceptedRisk[] {
  if (!file) return [];
  // Checked again as it is read, so a damaged package names its problem rather than misjudging findings.
  return acceptedRisksOf(JSON.parse(readFileSync(join(process.env.LAMBDA_TASK_ROOT ?? ".", file), "utf8")), file);
}

/** The owners file packaged with ListAccounts (JSON made at deploy time from the stack's file, checked at preview), and the stack's owner sources. */
export function packagedOwners(env: NodeJS.ProcessEnv): OwnerSettings {
  const names = LAMBDA_ENV["list-accounts"];
  const sources = listEnv(env, names.ownerSources);
  const unknown = sources.filter((source) => !OWNER_SOURCES.includes(source as OwnerSource));
  if (unknown.length > 0) throw new Error(`${names.ownerSources} holds ${unknown.join(", ")}; allowed: ${OWNER_SOURCES.join(", ")}`);
  const file = env[names.ownersFile];
  const rules = file ? ownerRulesOf(JSON.parse(readFileSync(join(process.env.LAMBDA_TASK_ROOT ?? ".", file), "utf8")), file) : [];
  const tagKey = env[names.ownerTagKey];
  return { sources: sources as OwnerSource[], rules, ...(tagKey ? { tagKey } : {}) };
}

/** What the collector may do about unused keys, as the stack set it (checked at preview). */
export function remediationFromEnv(env: NodeJS.ProcessEnv): RemediationSettings {
  const names = LAMBDA_ENV["collect-report"];
  const mode = env[names.remediation] ?? "off";
  if (!["off", "dry-run", "on"].includes(mode)) throw new Error(`${names.remediation} must be off, dry-run or on, got ${JSON.stringify(mode)}`);
  const days = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
  const settings = {
    enabled: mode !== "off",
    dryRun: mode !== "on",
    unusedDays: days(names.remediationUnusedDays, DEFAULT_REMEDIATION.unusedDays),
    noticeDays: days(names.remediationNoticeDays, DEFAULT_REMEDIATION.noticeDays),
  };
  // Never sooner than CIS says, whatever the environment holds.
  if (!(Number.isInteger(settings.unusedDays) && settings.unusedDays >= MIN_UNUSED_DAYS)) throw new Error(`${names.remediationUnusedDays} must be a whole number of at least ${MIN_UNUSED_DAYS}, got ${env[names.remediationUnusedDays]}`);
  if (!(Number.isInteger(settings.noticeDays) && settings.noticeDays >= 0)) throw new Error(`${names.remediationNoticeDays} must be a whole number of days, got ${env[names.remediationNoticeDays]}`);
  return settings;
}
