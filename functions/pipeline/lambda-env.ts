/** Reads a Lambda setting that the deployment must provide; names the variable when it is missing. */
export function requiredEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`environment variable ${name} is required and is not set`);
  return value;
}

/** A comma-separated list, empty when unset. */
export function listEnv(env: NodeJS.ProcessEnv, name: string): string[] {
  return (env[name] ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

/**
 * Each Lambda's environment variables, by setting: CredentialReportStateMachine sets them and the
 * handler reads them, both from here. The finding thresholds have their own table (THRESHOLD_SETTINGS).
 */
export const LAMBDA_ENV = {
  "list-accounts": {
    reportBucket: "REPORT_BUCKET",
    mapBucket: "MAP_BUCKET",
    includeOuIds: "INCLUDE_OU_IDS",
    excludeAccountIds: "EXCLUDE_ACCOUNT_IDS",
    ownerSources: "OWNER_SOURCES",
    ownerTagKey: "OWNER_TAG_KEY",
    ownersFile: "OWNERS_FILE",
  },
  "collect-report": {
    reportBucket: "REPORT_BUCKET",
    memberRoleName: "MEMBER_ROLE_NAME",
    acceptedRisksFile: "ACCEPTED_RISKS_FILE",
    securityHub: "SECURITY_HUB",
    remediation: "REMEDIATION",
    remediationUnusedDays: "REMEDIATION_UNUSED_DAYS",
    remediationNoticeDays: "REMEDIATION_NOTICE_DAYS",
  },
  summarize: { reportBucket: "REPORT_BUCKET", mapBucket: "MAP_BUCKET", topicArn: "TOPIC_ARN", acceptedRisksFile: "ACCEPTED_RISKS_FILE", securityHubMemberRole: "SECURITY_HUB_MEMBER_ROLE" },
} as const;

/** A Lambda's variables from its settings by name; a setting left undefined is not set. */
export function lambdaVariables<F extends keyof typeof LAMBDA_ENV, V>(fn: F, settings: { readonly [K in keyof (typeof LAMBDA_ENV)[F]]?: V }): Record<string, V> {
  const names = LAMBDA_ENV[fn] as Record<string, string>;
  return Object.fromEntries(Object.entries(settings as Record<string, V | undefined>).flatMap(([setting, value]) => (value === undefined ? [] : [[names[setting], value]])));
}
