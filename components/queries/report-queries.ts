import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { HISTORY_FILES, HISTORY_PREFIX, LEGACY_HISTORY_FINDINGS, REPORTS_PREFIX } from "../../functions/run/report-keys";
import { DEFAULT_THRESHOLDS, type FindingThresholds } from "../../functions/analysis/findings";
import {
  FINDINGS_COLUMNS,
  FINDINGS_HISTORY_JSON_TABLE,
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
    const jsonSerde = (parameters: Record<string, string> = {}) => ({ serializationLibrary: "org.openx.data.jsonserde.JsonSerDe", parameters });
    const table = (
      role: string,
      spec: {
        readonly name: string;
        readonly description: string;
        readonly serde: { serializationLibrary: string; parameters: Record<string, string> };
        readonly columns: readonly { name: string; type: string }[];
        readonly partitionKeys: typeof partitionKeys;
        readonly parameters: (bucket: string) => Record<string, string>;
        readonly location: pulumi.Input<string>;
        /** @default text files */
        readonly formats?: { readonly inputFormat: string; readonly outputFormat: string };
      },
    ) =>
      new aws.glue.CatalogTable(
        `${name}-${role}`,
        {
          name: spec.name,
          databaseName: database.name,
          description: spec.description,
          tableType: "EXTERNAL_TABLE",
          partitionKeys: spec.partitionKeys,
          parameters: pulumi.output(args.bucketName).apply(spec.parameters),
          storageDescriptor: {
            location: spec.location,
            ...(spec.formats ?? { inputFormat: "org.apache.hadoop.mapred.TextInputFormat", outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat" }),
            serDeInfo: spec.serde,
            columns: spec.columns.map((c) => ({ name: c.name, type: c.type })),
          },
        },
        { parent: this },
      );
    table("reports-table", {
      name: REPORTS_TABLE,
      description: "Raw IAM credential reports, one file per account and run; filter on \"$path\" for account=<id>.csv",
      serde: { serializationLibrary: "org.apache.hadoop.hive.serde2.OpenCSVSerde", parameters: { separatorChar: ",", quoteChar: '"', escapeChar: "\\" } },
      columns: REPORT_COLUMNS,
      partitionKeys,
      parameters: (bucket) => ({ ...projectionParameters(bucket), classification: "csv", "skip.header.line.count": "1" }),
      location,
    });
    table("findings-table", {
      name: FINDINGS_TABLE,
      description: "Findings of each run (findings.jsonl); filter on \"$path\" for findings.jsonl",
      // Other files of the run folder are skipped as malformed rather than failing the query.
      serde: jsonSerde({ "ignore.malformed.json": "true" }),
      columns: FINDINGS_COLUMNS,
      partitionKeys,
      parameters: (bucket) => ({ ...projectionParameters(bucket), classification: "json" }),
      location,
    });
    // Kept across runs: the day is the only partition, so a query spans runs.
    const history = (folder: string) => ({
      serde: jsonSerde(),
      partitionKeys: [partitionKeys[0]],
      parameters: (bucket: string) => ({ ...historyProjectionParameters(bucket, folder), classification: "json" }),
      location: pulumi.interpolate`s3://${args.bucketName}/${HISTORY_PREFIX}${folder}/`,
    });
    table("runs-table", { name: RUNS_TABLE, description: "One row per run: accounts collected and failed, open findings by severity, new, resolved, accepted", columns: RUNS_COLUMNS, ...history(HISTORY_FILES.historyRun) });
    // Columnar: a query reads only the columns it names (Athena bills the bytes it reads).
    const parquet = history(HISTORY_FILES.historyFindings);
    table("findings-history-table", {
      name: FINDINGS_HISTORY_TABLE,
      description: "Every run's findings, kept across runs as Parquet (one file per run, by day); the saved queries add the JSON table of runs before 0.5.0",
      columns: FINDINGS_COLUMNS,
      ...parquet,
      serde: { serializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", parameters: {} },
      parameters: (bucket: string) => ({ ...historyProjectionParameters(bucket, HISTORY_FILES.historyFindings), classification: "parquet" }),
      formats: { inputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat", outputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat" },
    });
    table("findings-history-json-table", {
      name: FINDINGS_HISTORY_JSON_TABLE,
      description: "The findings of runs before 0.5.0, kept across runs as JSON lines",
      columns: FINDINGS_COLUMNS,
      ...history(LEGACY_HISTORY_FINDINGS),
    });
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
