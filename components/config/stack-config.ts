import * as pulumi from "@pulumi/pulumi";
import { stringList, tagMap } from "./config-rules";
import { type CONFIG_KEYS, parseConfig } from "./config";
import type { OrgCredentialReportsArgs } from "../org-credential-reports";

/** The kind of each config key's value, to read stack config text into arguments. */
export const ARG_KINDS: Record<(typeof CONFIG_KEYS)[number], "text" | "number" | "boolean" | "list" | "map"> = {
  bucketName: "text",
  existingBucket: "boolean",
  kmsKey: "text",
  retainBucketOnDestroy: "boolean",
  evidenceAdministrators: "list",
  reportRetentionDays: "number",
  objectLockMode: "text",
  objectLockDays: "number",
  notificationEmails: "list",
  memberRoleName: "text",
  organizationId: "text",
  organizationRootId: "text",
  organizationalUnitIds: "list",
  excludeAccountIds: "list",
  logRetentionDays: "number",
  scheduleHour: "number",
  scheduleExpression: "text",
  scheduleTimezone: "text",
  tags: "map",
  maxConcurrency: "number",
  accountsPerBatch: "number",
  maxPollAttempts: "number",
  pollIntervalSeconds: "number",
  runTimeoutMinutes: "number",
  maxKeyAgeDays: "number",
  unusedDays: "number",
  rootUseWindowDays: "number",
  maxReportAgeHours: "number",
  minPasswordLength: "number",
  passwordReusePrevention: "number",
  mfaForEveryUser: "boolean",
  acceptedRisksFile: "text",
  acceptedRisks: "text",
  securityHub: "boolean",
  remediation: "text",
  remediationUnusedDays: "number",
  remediationNoticeDays: "number",
  ownerSources: "list",
  ownerTagKey: "text",
  ownersFile: "text",
  owners: "text",
  storageAccount: "text",
  managementAccountRole: "text",
  glueDatabaseName: "text",
  athenaWorkgroup: "text",
  stackSetCallAs: "text",
  stackSetFailureTolerancePercentage: "number",
  stackSetMaxConcurrentPercentage: "number",
};

/**
 * This project's stack config as the component's arguments. The text is checked first, so that a
 * bad value is named as the config key it is (`pulumi config set <key>`), then read by its kind.
 */
export function readStackConfig(): OrgCredentialReportsArgs {
  const prefix = `${pulumi.getProject()}:`;
  const text: Record<string, string> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (key.startsWith(prefix)) text[key.slice(prefix.length)] = value;
  }
  parseConfig(text, { region: new pulumi.Config("aws").get("region") });
  return argsFromConfigText(text);
}

/** Config text (already checked) read as arguments; empty text is an unset key. */
export function argsFromConfigText(text: Readonly<Record<string, string>>): OrgCredentialReportsArgs {
  const args: Record<string, unknown> = {};
  for (const [key, kind] of Object.entries(ARG_KINDS)) {
    const raw = text[key]?.trim();
    if (!raw) continue;
    args[key] =
      kind === "number" ? Number(raw) : kind === "boolean" ? raw === "true" : kind === "list" ? stringList(key, raw).value : kind === "map" ? tagMap(key, raw).value : raw;
  }
  return args as OrgCredentialReportsArgs;
}
