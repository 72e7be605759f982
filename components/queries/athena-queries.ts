import { CREDENTIAL_REPORT_COLUMNS } from "../../functions/analysis/credential-report";
import type { FindingThresholds } from "../../functions/analysis/findings";
import { ANALYSIS_FILES, HISTORY_PREFIX, REPORTS_PREFIX } from "../../functions/run/report-keys";
import { RUN_RECORD_COLUMNS } from "../../functions/org-report/run-history";

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

/** The Glue table over every run's record (history/runs/): one row a run. */
export const RUNS_TABLE = "credential_report_runs";
/** The Glue table over every run's findings kept across runs, as Parquet (history/findings-parquet/). */
export const FINDINGS_HISTORY_TABLE = "credential_report_findings_history";
/** The same for runs before 0.5.0, which kept them as JSON lines (history/findings/). */
export const FINDINGS_HISTORY_JSON_TABLE = "credential_report_findings_history_json";
/**
 * Every run's findings across runs: the Parquet table and the JSON lines of runs before 0.5.0,
 * one relation for the queries. A day of only one kind scans nothing of the other.
 */
const FINDINGS_HISTORY = `(SELECT * FROM ${FINDINGS_HISTORY_TABLE} UNION ALL SELECT * FROM ${FINDINGS_HISTORY_JSON_TABLE})`;
export const RUNS_COLUMNS = RUN_RECORD_COLUMNS;

/**
 * Partition projection on the day alone, for the tables kept across runs: a query names a range of
 * days, never a run, so one statement reads many runs.
 */
export function historyProjectionParameters(bucketName: string, folder: string): Record<string, string> {
  return { ...DAY_PROJECTION, "storage.location.template": `s3://${bucketName}/${HISTORY_PREFIX}${folder}/date=\${date}/` };
}

/** The `date` partition of every table: the runs' UTC days, from the project's first year to today. */
const DAY_PROJECTION = {
  "projection.enabled": "true",
  "projection.date.type": "date",
  "projection.date.format": "yyyy-MM-dd",
  "projection.date.range": "2024-01-01,NOW",
  "projection.date.interval": "1",
  "projection.date.interval.unit": "DAYS",
};

/**
 * Partition projection on the run's folder (no crawler, no MSCK REPAIR): `date` is projected
 * from a range, `run` is given by each query (run ids are not enumerable). The account is in
 * the file name, not a folder, so queries read it from "$path".
 */
export function projectionParameters(bucketName: string): Record<string, string> {
  return {
    ...DAY_PROJECTION,
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

/** The first of the last `days` days, as the `date` partition writes it (yyyy-MM-dd), in Trino and DuckDB alike. */
const since = (days: number) => `CAST(CAST(current_date - INTERVAL '${days}' DAY AS date) AS varchar)`;

/**
 * Named queries across runs, over the history tables: no run to give, a window of days instead.
 * Each is plain SQL that Athena (Trino) and DuckDB both run: the test suite runs them against the
 * demo's files of three runs.
 */
export function historyQueries(): readonly NamedQuerySpec[] {
  return [
    {
      name: "open-findings-by-check-per-day",
      description: "Open findings (no accepted risk) per check, per day, for the last 90 days: the day's last run",
      query: `WITH last_run_of_day AS (
  SELECT run_date, max(run_started_at) AS run_started_at
  FROM ${RUNS_TABLE}
  WHERE "date" >= ${since(90)}
  GROUP BY run_date
)
SELECT f."date" AS day, f.check_id, count(*) AS open_findings
FROM ${FINDINGS_HISTORY} f
JOIN last_run_of_day l ON f."date" = l.run_date AND f.run_started_at = l.run_started_at
WHERE f."date" >= ${since(90)} AND NOT f.accepted
GROUP BY f."date", f.check_id
ORDER BY day, f.check_id;`,
    },
    {
      name: "accounts-whose-findings-grew",
      description: "Accounts with more open findings in the last run than in the first run of the last 30 days",
      query: `WITH window_runs AS (
  SELECT min(run_started_at) AS first_run, max(run_started_at) AS last_run
  FROM ${RUNS_TABLE}
  WHERE "date" >= ${since(30)}
),
per_account AS (
  SELECT f.account_id,
         sum(CASE WHEN f.run_started_at = w.first_run THEN 1 ELSE 0 END) AS findings_then,
         sum(CASE WHEN f.run_started_at = w.last_run THEN 1 ELSE 0 END) AS findings_now
  FROM ${FINDINGS_HISTORY} f CROSS JOIN window_runs w
  WHERE f."date" >= ${since(30)} AND NOT f.accepted
  GROUP BY f.account_id
)
SELECT account_id, findings_then, findings_now, findings_now - findings_then AS grown_by
FROM per_account
WHERE findings_now > findings_then
ORDER BY grown_by DESC, account_id;`,
    },
    {
      name: "keys-old-in-each-of-the-last-3-runs",
      description: "Active access keys found older than maxKeyAgeDays in each of the last 3 runs of the last 30 days (change the 3 to look further back)",
      query: `WITH recent_runs AS (
  SELECT run_id
  FROM (
    SELECT run_id, row_number() OVER (ORDER BY run_started_at DESC) AS recency
    FROM ${RUNS_TABLE}
    WHERE "date" >= ${since(30)}
  ) ranked
  WHERE recency <= 3
)
SELECT f.account_id, f.user_name, f.credential, count(DISTINCT f.run_id) AS runs, max(CAST(f.evidence['age_days'] AS integer)) AS age_days
FROM ${FINDINGS_HISTORY} f
JOIN recent_runs r ON f.run_id = r.run_id
WHERE f."date" >= ${since(30)} AND f.check_id = 'access-key-old'
GROUP BY f.account_id, f.user_name, f.credential
HAVING count(DISTINCT f.run_id) = (SELECT count(*) FROM recent_runs)
ORDER BY age_days DESC, f.account_id, f.user_name;`,
    },
    {
      name: "time-to-resolve-by-check",
      description: "Findings resolved in the last 90 days, per check: how many, and the days from the first run that found one to the first run without it",
      query: `WITH runs AS (
  SELECT run_date, run_started_at
  FROM ${RUNS_TABLE}
  WHERE "date" >= ${since(90)}
),
seen AS (
  SELECT finding_id, check_id, min("date") AS first_day, max(run_started_at) AS last_seen
  FROM ${FINDINGS_HISTORY} h
  WHERE "date" >= ${since(90)}
  GROUP BY finding_id, check_id
),
resolved AS (
  SELECT s.finding_id, s.check_id, s.first_day, min(r.run_date) AS resolved_day
  FROM seen s
  JOIN runs r ON r.run_started_at > s.last_seen
  GROUP BY s.finding_id, s.check_id, s.first_day
)
SELECT check_id, count(*) AS resolved_findings,
       avg(date_diff('day', CAST(first_day AS date), CAST(resolved_day AS date))) AS average_days,
       max(date_diff('day', CAST(first_day AS date), CAST(resolved_day AS date))) AS longest_days
FROM resolved
GROUP BY check_id
ORDER BY average_days DESC, check_id;`,
    },
  ];
}
