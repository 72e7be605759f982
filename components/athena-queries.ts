import { CREDENTIAL_REPORT_COLUMNS } from "../functions/analysis/credential-report";
import type { FindingThresholds } from "../functions/analysis/findings";
import { ANALYSIS_FILES, REPORTS_PREFIX } from "../functions/report-keys";

/** The Glue table over the raw reports. */
export const REPORTS_TABLE = "credential_reports";
/** The Glue table over each run's findings.jsonl. */
export const FINDINGS_TABLE = "credential_report_findings";

/** Columns of the findings table, as Summarize writes findings.jsonl. */
export const FINDINGS_COLUMNS = [
  { name: "finding_id", type: "string" },
  { name: "check_id", type: "string" },
  { name: "severity", type: "string" },
  { name: "cis_control", type: "string" },
  { name: "account_id", type: "string" },
  { name: "user_name", type: "string" },
  { name: "credential", type: "string" },
  { name: "message", type: "string" },
  { name: "evidence", type: "map<string,string>" },
  { name: "is_new", type: "boolean" },
  { name: "accepted", type: "boolean" },
  { name: "run_id", type: "string" },
  { name: "run_started_at", type: "string" },
] as const;

export const REPORT_COLUMNS = CREDENTIAL_REPORT_COLUMNS.map((name) => ({ name, type: "string" }));

/**
 * Partition projection on the run's folder (no crawler, no MSCK REPAIR): `date` is projected
 * from a range, `run` is given by each query (run ids are not enumerable). The account is in
 * the file name, not a folder, so queries read it from "$path".
 */
export function projectionParameters(bucketName: string): Record<string, string> {
  return {
    "projection.enabled": "true",
    "projection.date.type": "date",
    "projection.date.format": "yyyy-MM-dd",
    "projection.date.range": "2024-01-01,NOW",
    "projection.date.interval": "1",
    "projection.date.interval.unit": "DAYS",
    "projection.run.type": "injected",
    "storage.location.template": `s3://${bucketName}/${REPORTS_PREFIX}date=\${date}/run=\${run}/`,
  };
}

// A run's folder also holds the manifest and the analysis files; each table reads only its own.
const RAW_REPORTS = `regexp_like("$path", '/account=[0-9]{12}\\.csv$')`;
const ACCOUNT_ID = `regexp_extract("$path", 'account=([0-9]{12})\\.csv$', 1)`;
const FINDINGS_FILE = `"$path" LIKE '%/${ANALYSIS_FILES.findingsLines}'`;

/** The run a query looks at: Athena asks for the two values (date, then run id) when it runs. */
const reportsOfRun = `WITH reports AS (
  SELECT ${ACCOUNT_ID} AS account_id, *
  FROM ${REPORTS_TABLE}
  WHERE "date" = ? AND run = ? AND ${RAW_REPORTS}
)`;

export interface NamedQuerySpec {
  readonly name: string;
  readonly description: string;
  readonly query: string;
}

/** Athena named queries for the questions users ask first, drawing the lines where the findings do. */
export function namedQueries(thresholds: Pick<FindingThresholds, "maxKeyAgeDays" | "unusedDays">): readonly NamedQuerySpec[] {
  const { maxKeyAgeDays, unusedDays } = thresholds;
  return [
    {
      name: "console-users-without-mfa",
      description: "IAM users with a console password and no MFA (CIS 1.10), for one run: give its date and run id",
      query: `${reportsOfRun}
SELECT account_id, "user", arn, password_last_used
FROM reports
WHERE "user" <> '<root_account>' AND password_enabled = 'true' AND mfa_active = 'false'
ORDER BY account_id, "user";`,
    },
    {
      name: "old-access-keys",
      description: `Active access keys last rotated more than ${maxKeyAgeDays} whole days before the run (maxKeyAgeDays; CIS 1.14), from the run's findings: give its date and run id`,
      // From the findings, so the line is drawn where Summarize draws it: whole days before the run's start.
      query: `SELECT account_id, user_name, credential, evidence['age_days'] AS age_days, message
FROM ${FINDINGS_TABLE}
WHERE "date" = ? AND run = ? AND ${FINDINGS_FILE} AND check_id = 'access-key-old'
ORDER BY CAST(evidence['age_days'] AS integer) DESC;`,
    },
    {
      name: "unused-credentials",
      description: `Active passwords and keys unused for ${unusedDays} days or more, never-used ones included (unusedDays; CIS 1.12), from the run's findings: give its date and run id`,
      query: `SELECT account_id, user_name, credential, evidence['days_unused'] AS days_unused, message
FROM ${FINDINGS_TABLE}
WHERE "date" = ? AND run = ? AND ${FINDINGS_FILE} AND check_id = 'credential-unused'
ORDER BY CAST(evidence['days_unused'] AS integer) DESC;`,
    },
    {
      name: "root-user-activity",
      description: "Each account's root user: MFA, active keys and last use of its password and keys (CIS 1.4, 1.5, 1.7), for one run: give its date and run id",
      query: `${reportsOfRun}
SELECT account_id, mfa_active, access_key_1_active, access_key_2_active,
       password_last_used, access_key_1_last_used_date, access_key_2_last_used_date
FROM reports
WHERE "user" = '<root_account>'
ORDER BY account_id;`,
    },
  ];
}
