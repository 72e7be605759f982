import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { HISTORY_FILES, HISTORY_PREFIX, REPORTS_PREFIX } from "../functions/report-keys";
import { DEFAULT_THRESHOLDS, type FindingThresholds } from "../functions/analysis/findings";
import {
  FINDINGS_COLUMNS,
  FINDINGS_HISTORY_TABLE,
  FINDINGS_TABLE,
  historyProjectionParameters,
  historyQueries,
  namedQueries,
  projectionParameters,
  REPORT_COLUMNS,
  REPORTS_TABLE,
  RUNS_COLUMNS,
  RUNS_TABLE,
} from "./athena-queries";

export interface ReportQueriesArgs {
  readonly bucketName: pulumi.Input<string>;
  /** @default "credential_reports" */
  readonly databaseName?: string;
  /** The Athena workgroup the named queries belong to. @default "primary" */
  readonly workgroup?: string;
  /** Where the named queries draw their lines, as the findings do. @default DEFAULT_THRESHOLDS */
  readonly findingThresholds?: FindingThresholds;
  /** @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * Athena over the bucket: a Glue database, a table over the raw reports and one over the
 * findings, both with partition projection (no crawler), and named queries for common questions.
 */
export class ReportQueries extends pulumi.ComponentResource {
  readonly databaseName: pulumi.Output<string>;

  constructor(name: string, args: ReportQueriesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("credreport:index:ReportQueries", name, {}, opts);
    const database = new aws.glue.CatalogDatabase(
      `${name}-database`,
      { name: args.databaseName ?? "credential_reports", description: "Organization IAM credential reports and their findings", tags: args.tags ?? {} },
      { parent: this },
    );
    const location = pulumi.interpolate`s3://${args.bucketName}/${REPORTS_PREFIX}`;
    const partitionKeys = [
      { name: "date", type: "string", comment: "UTC date of the run (yyyy-MM-dd)" },
      { name: "run", type: "string", comment: "the run id (the execution name)" },
    ];
    const table = (role: string, tableName: string, description: string, serde: { serializationLibrary: string; parameters: Record<string, string> }, columns: readonly { name: string; type: string }[], extra: Record<string, string>) =>
      new aws.glue.CatalogTable(
        `${name}-${role}`,
        {
          name: tableName,
          databaseName: database.name,
          description,
          tableType: "EXTERNAL_TABLE",
          partitionKeys,
          parameters: pulumi.output(args.bucketName).apply((bucket) => ({ ...projectionParameters(bucket), ...extra })),
          storageDescriptor: {
            location,
            inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
            outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            serDeInfo: serde,
            columns: columns.map((c) => ({ name: c.name, type: c.type })),
          },
        },
        { parent: this },
      );
    table(
      "reports-table",
      REPORTS_TABLE,
      "Raw IAM credential reports, one file per account and run; filter on \"$path\" for account=<id>.csv",
      { serializationLibrary: "org.apache.hadoop.hive.serde2.OpenCSVSerde", parameters: { separatorChar: ",", quoteChar: '"', escapeChar: "\\" } },
      REPORT_COLUMNS,
      { classification: "csv", "skip.header.line.count": "1" },
    );
    table(
      "findings-table",
      FINDINGS_TABLE,
      "Findings of each run (findings.jsonl); filter on \"$path\" for findings.jsonl",
      // Other files of the run folder are skipped as malformed rather than failing the query.
      { serializationLibrary: "org.openx.data.jsonserde.JsonSerDe", parameters: { "ignore.malformed.json": "true" } },
      FINDINGS_COLUMNS,
      { classification: "json" },
    );
    // Kept across runs: the day is the only partition, so a query spans runs.
    const historyTable = (role: string, tableName: string, description: string, columns: readonly { name: string; type: string }[], folder: "historyRun" | "historyFindings") =>
      new aws.glue.CatalogTable(
        `${name}-${role}`,
        {
          name: tableName,
          databaseName: database.name,
          description,
          tableType: "EXTERNAL_TABLE",
          partitionKeys: [partitionKeys[0]],
          parameters: pulumi.output(args.bucketName).apply((bucket) => ({ ...historyProjectionParameters(bucket, folder), classification: "json" })),
          storageDescriptor: {
            location: pulumi.interpolate`s3://${args.bucketName}/${HISTORY_PREFIX}${HISTORY_FILES[folder]}/`,
            inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
            outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            serDeInfo: { serializationLibrary: "org.openx.data.jsonserde.JsonSerDe", parameters: {} },
            columns: columns.map((c) => ({ name: c.name, type: c.type })),
          },
        },
        { parent: this },
      );
    historyTable("runs-table", RUNS_TABLE, "One row per run: accounts collected and failed, open findings by severity, new, resolved, accepted", RUNS_COLUMNS, "historyRun");
    historyTable("findings-history-table", FINDINGS_HISTORY_TABLE, "Every run's findings, kept across runs (one file per run, by day)", FINDINGS_COLUMNS, "historyFindings");
    for (const q of [...namedQueries(args.findingThresholds ?? DEFAULT_THRESHOLDS), ...historyQueries()]) {
      new aws.athena.NamedQuery(
        `${name}-${q.name}`,
        { name: q.name, description: q.description, database: database.name, workgroup: args.workgroup ?? "primary", query: q.query },
        { parent: this },
      );
    }
    this.databaseName = database.name;
    this.registerOutputs({ databaseName: this.databaseName });
  }
}
