import { ByteWriter, ParquetWriter } from "hyparquet-writer";

/** One finding as the history keeps it across runs: the findings.jsonl line, column by column. */
export interface HistoryRow {
  readonly finding_id: string;
  readonly check_id: string;
  readonly severity: string;
  readonly cis_control: string | null;
  readonly account_id: string;
  readonly user_name: string;
  readonly credential: string | null;
  readonly message: string;
  readonly evidence: Readonly<Record<string, string>>;
  readonly is_new: boolean;
  readonly accepted: boolean;
  readonly run_id: string;
  readonly run_started_at: string;
}

type Column = keyof HistoryRow;
const STRING = { type: "BYTE_ARRAY", converted_type: "UTF8" } as const;

/**
 * The Parquet schema of the findings history, in FINDINGS_COLUMNS' order and types: strings, two
 * booleans, and evidence as a map of strings (Athena's map<string,string>, DuckDB's MAP).
 */
const SCHEMA = [
  { name: "root", num_children: 13 },
  { name: "finding_id", ...STRING, repetition_type: "REQUIRED" },
  { name: "check_id", ...STRING, repetition_type: "REQUIRED" },
  { name: "severity", ...STRING, repetition_type: "REQUIRED" },
  { name: "cis_control", ...STRING, repetition_type: "OPTIONAL" },
  { name: "account_id", ...STRING, repetition_type: "REQUIRED" },
  { name: "user_name", ...STRING, repetition_type: "REQUIRED" },
  { name: "credential", ...STRING, repetition_type: "OPTIONAL" },
  { name: "message", ...STRING, repetition_type: "REQUIRED" },
  { name: "evidence", repetition_type: "OPTIONAL", num_children: 1, converted_type: "MAP" },
  { name: "key_value", repetition_type: "REPEATED", num_children: 2 },
  { name: "key", ...STRING, repetition_type: "REQUIRED" },
  { name: "value", ...STRING, repetition_type: "OPTIONAL" },
  { name: "is_new", type: "BOOLEAN", repetition_type: "REQUIRED" },
  { name: "accepted", type: "BOOLEAN", repetition_type: "REQUIRED" },
  { name: "run_id", ...STRING, repetition_type: "REQUIRED" },
  { name: "run_started_at", ...STRING, repetition_type: "REQUIRED" },
];
const COLUMNS: readonly Column[] = ["finding_id", "check_id", "severity", "cis_control", "account_id", "user_name", "credential", "message", "evidence", "is_new", "accepted", "run_id", "run_started_at"];

/** Rows a row group holds: the writer holds one group's rows and columns in memory, and readers skip groups by their statistics. */
export const ROWS_PER_GROUP = 50_000;

/**
 * The findings history as Parquet, written as the run's findings come: a row group at a time,
 * each handed to `sink` as bytes once encoded (snappy, with statistics), so memory holds one row
 * group, never the run. Columnar: a query reads only the columns it names (Athena bills what it
 * reads), and the message and evidence, most of each line, are skipped by the queries that need
 * neither.
 */
export class FindingsParquet {
  private readonly writer = new ByteWriter();
  private readonly parquet: ParquetWriter;
  private rows: HistoryRow[] = [];

  constructor(
    private readonly sink: (bytes: Uint8Array) => Promise<void>,
    private readonly rowsPerGroup = ROWS_PER_GROUP,
  ) {
    // The writer keeps what it encoded until it is flushed: after each row group, to the sink.
    (this.writer as ByteWriter & { flush?: () => Promise<void> }).flush = () => this.drain();
    this.parquet = new ParquetWriter({ writer: this.writer, schema: SCHEMA as never });
  }

  async add(row: HistoryRow): Promise<void> {
    this.rows.push(row);
    if (this.rows.length >= this.rowsPerGroup) await this.writeGroup();
  }

  /** Writes the last row group and the file's footer. */
  async finish(): Promise<void> {
    await this.writeGroup();
    await this.parquet.finish();
    await this.drain();
  }

  /** Hands the sink what the writer encoded since the last time, and empties it. */
  private async drain(): Promise<void> {
    const bytes = this.writer as ByteWriter & { index: number };
    const encoded = new Uint8Array(bytes.buffer.slice(0, bytes.index));
    bytes.index = 0;
    await this.sink(encoded);
  }

  private async writeGroup(): Promise<void> {
    if (this.rows.length === 0) return;
    const rows = this.rows;
    this.rows = [];
    const columnData = COLUMNS.map((name) => ({ name, data: rows.map((row) => row[name]) }));
    await this.parquet.write({ columnData: columnData as never, rowGroupSize: rows.length });
  }
}
