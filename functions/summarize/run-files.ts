import { once } from "node:events";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { S3Client } from "@aws-sdk/client-s3";
import type { RunFileWriter } from "../org-report/run-combiner";
import type { RunRef } from "../run/contracts";
import { ANALYSIS_FILES, HISTORY_FILES, type RunFile, runFileKey } from "../run/report-keys";
import { storeOnce } from "../storage/write-once";
import { withRetries } from "../aws/with-retries";

export const CONTENT_TYPES: Record<RunFile, string> = {
  findings: "application/json",
  findingsLines: "application/x-ndjson",
  summary: "application/json",
  changes: "application/json",
  users: "text/csv; charset=utf-8",
  findingsCsv: "text/csv; charset=utf-8",
  trend: "application/json",
  html: "text/html; charset=utf-8",
  actions: "application/x-ndjson",
  historyRun: "application/x-ndjson",
  historyFindings: "application/vnd.apache.parquet",
};

type Piece = string | { readonly part: string };

/**
 * The combined files' parts on local disk as they are written (Lambda's /tmp, or a folder here),
 * each a file appended to, so memory holds none of them; each whole file is then read back as one
 * stream of its pieces.
 */
abstract class PartsOnDisk implements RunFileWriter {
  private readonly streams = new Map<string, WriteStream>();
  private folder?: Promise<string>;
  // A write that failed (the disk full, say) when nothing was waiting on the stream: thrown at the next call.
  private failure?: Error;

  async append(part: string, data: string | Uint8Array): Promise<void> {
    this.throwIfFailed();
    let stream = this.streams.get(part);
    if (!stream) {
      stream = createWriteStream(join(await this.partsFolder(), part));
      stream.on("error", (err) => (this.failure ??= err));
      this.streams.set(part, stream);
    }
    if (!stream.write(data)) await once(stream, "drain");
  }

  async assemble(file: RunFile, pieces: readonly Piece[]): Promise<void> {
    this.throwIfFailed();
    const paths = new Map<string, string>();
    let length = 0;
    for (const piece of pieces) {
      if (typeof piece === "string") {
        length += Buffer.byteLength(piece);
        continue;
      }
      const stream = this.streams.get(piece.part);
      if (!stream) continue;
      // A part may go into more than one file: ended once.
      if (!stream.writableFinished) await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
      paths.set(piece.part, stream.path as string);
      length += (await stat(stream.path as string)).size;
    }
    const open = () => Readable.from(piecesOf(pieces, paths));
    await this.write(file, open, length);
  }

  /** Removes the parts. */
  async close(): Promise<void> {
    for (const stream of this.streams.values()) stream.destroy();
    if (this.folder) await rm(await this.folder, { recursive: true, force: true });
  }

  protected abstract write(file: RunFile, open: () => Readable, length: number): Promise<void>;

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private partsFolder(): Promise<string> {
    return (this.folder ??= mkdtemp(join(tmpdir(), "credreport-parts-")));
  }
}

async function* piecesOf(pieces: readonly Piece[], paths: ReadonlyMap<string, string>): AsyncGenerator<Buffer> {
  for (const piece of pieces) {
    if (typeof piece === "string") yield Buffer.from(piece);
    else if (paths.has(piece.part)) yield* createReadStream(paths.get(piece.part)!);
  }
}

/**
 * A run's combined files into its folder in the bucket, each written once (If-None-Match): a file
 * an earlier try of the step stored stays as it is, and is not sent again. Each file is streamed
 * from disk with its length; a PUT that AWS answers "later" is tried again on its own, from the
 * start of a fresh stream (the SDK cannot retry a stream it has consumed).
 */
export class RunFilesInBucket extends PartsOnDisk {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly run: RunRef,
    private readonly options: { readonly alreadyStored?: ReadonlySet<string>; readonly retryPauseMs?: number } = {},
  ) {
    super();
  }

  protected async write(file: RunFile, open: () => Readable, length: number): Promise<void> {
    const key = runFileKey(this.run, file);
    if (this.options.alreadyStored?.has(key)) return;
    const put = () => storeOnce(this.s3, { Bucket: this.bucket, Key: key, Body: open(), ContentLength: length, ContentType: CONTENT_TYPES[file] });
    await withRetries(put, this.options.retryPauseMs);
  }
}

/**
 * A run's combined files into a local folder (summarize --from, --bucket): each file whole,
 * replaced. The files kept across runs are the bucket's, for Athena: a folder gets none.
 */
export class RunFilesInFolder extends PartsOnDisk {
  constructor(private readonly target: string) {
    super();
  }

  protected async write(file: RunFile, open: () => Readable, _length: number): Promise<void> {
    if (file in HISTORY_FILES) return;
    // The files list every user of every account: the owner's alone, as the CLI's downloads. A mode
    // given to mkdir or open applies only to what they create: what an earlier run left is tightened.
    const path = join(this.target, ANALYSIS_FILES[file as keyof typeof ANALYSIS_FILES]);
    await mkdir(this.target, { recursive: true, mode: 0o700 });
    await chmod(this.target, 0o700);
    await chmod(path, 0o600).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
    await pipeline(open(), createWriteStream(path, { mode: 0o600 }));
  }
}
