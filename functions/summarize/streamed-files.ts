import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { RunFileWriter } from "../org-report/run-combiner";
import type { RunRef } from "../run/contracts";
import { type RunFile, runFileKey } from "../run/report-keys";
import { MAX_PART_BYTES, MIN_PART_BYTES, MultipartUpload, readRange } from "./multipart-upload";
import { storeOnce } from "../storage/write-once";
import { withRetries } from "../aws/with-retries";
import { CONTENT_TYPES } from "./run-files";

/** Bytes of a part held in memory before they go up: above S3's smallest part, so each flush is one. */
export const BUFFER_BYTES = 8 * 1024 * 1024;

/** Where the parts too large for memory wait for their files: a working prefix of the run's own, not evidence. */
export interface StagingPlace {
  readonly bucket: string;
  /** Ends with "/"; each part is one object under it. */
  readonly prefix: string;
}

/** A part left in the staging place for a later invocation (a shard's, for the merge): its key there and size. */
export interface StagedPart {
  readonly key: string;
  readonly size: number;
}

/** What the writer may be given beyond its defaults. */
export interface StreamedOptions {
  readonly alreadyStored?: ReadonlySet<string>;
  readonly retryPauseMs?: number;
  readonly bufferBytes?: number;
  /** Parts other invocations left in the staging place (the shards'), by name. */
  readonly staged?: Readonly<Record<string, StagedPart>>;
  /** Where a file goes, when not its run's key (a shard's own history file). @default runFileKey */
  readonly fileKey?: (file: RunFile) => string;
}

/** What a part came to: in memory (small), or an object of the staging place. */
type Source = { readonly bytes: Buffer } | { readonly Bucket: string; readonly Key: string; readonly size: number };

interface Part {
  buffered: Buffer[];
  bufferedBytes: number;
  upload?: MultipartUpload;
  stagedBytes: number;
  done?: Promise<Source>;
}

/**
 * A run's combined files into the report bucket with nothing on local disk: each part is held in
 * memory up to BUFFER_BYTES, and a larger one goes up as it grows, as a multipart upload to the
 * staging place. A file is then made of its pieces by one multipart upload of its own, the staged
 * parts copied by S3 itself (UploadPartCopy, in ranges of at most 5 GiB) and only the bytes that
 * S3's 5 MiB smallest part needs between them read back; and it is completed only if its key is
 * still free (If-None-Match), so stored evidence is never replaced. A file that fits in memory is
 * one conditional PUT, as before. Memory holds at most one buffer per part and one for the file.
 */
export class RunFilesStreamed implements RunFileWriter {
  private readonly parts = new Map<string, Part>();
  private readonly open = new Set<MultipartUpload>();

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly run: RunRef,
    private readonly staging: StagingPlace,
    private readonly options: StreamedOptions = {},
  ) {}

  async append(name: string, data: string | Uint8Array): Promise<void> {
    const part = this.partOf(name);
    if (part.done) throw new Error(`part ${name} was already assembled`);
    const bytes = Buffer.from(data);
    part.buffered.push(bytes);
    part.bufferedBytes += bytes.length;
    if (part.bufferedBytes >= this.bufferBytes) await this.stage(name, part);
  }

  async assemble(file: RunFile, pieces: readonly (string | { readonly part: string })[]): Promise<void> {
    const key = this.options.fileKey?.(file) ?? runFileKey(this.run, file);
    if (this.options.alreadyStored?.has(key)) return;
    const sources = await Promise.all(pieces.map((piece) => (typeof piece === "string" ? { bytes: Buffer.from(piece) } : this.finish(piece.part))));
    const target = { Bucket: this.bucket, Key: key, ContentType: CONTENT_TYPES[file] };
    if (sources.every((source) => "bytes" in source)) {
      const body = Buffer.concat(sources.map((source) => (source as { bytes: Buffer }).bytes));
      await withRetries(() => storeOnce(this.s3, { ...target, Body: body, ContentLength: body.length }), this.options.retryPauseMs);
      return;
    }
    const upload = await this.started(target);
    const carry: Buffer[] = [];
    let carried = 0;
    const keep = (bytes: Buffer) => {
      carry.push(bytes);
      carried += bytes.length;
    };
    const sendCarry = async () => {
      await upload.send(Buffer.concat(carry));
      carry.length = 0;
      carried = 0;
    };
    for (const source of sources) {
      if ("bytes" in source) {
        keep(source.bytes);
        if (carried >= this.bufferBytes) await sendCarry();
        continue;
      }
      if (carried >= MIN_PART_BYTES) await sendCarry();
      // What the carry lacks to be a part of its own, read from the start of the staged object.
      const lacking = carried > 0 ? MIN_PART_BYTES - carried : 0;
      if (source.size - lacking < MIN_PART_BYTES) {
        // Too little would be left to copy as a part: the whole of it (under 10 MiB) goes by memory.
        keep(await readRange(this.s3, source, 0, source.size, this.options.retryPauseMs));
        if (carried >= this.bufferBytes) await sendCarry();
        continue;
      }
      if (lacking > 0) {
        keep(await readRange(this.s3, source, 0, lacking, this.options.retryPauseMs));
        await sendCarry();
      }
      for (const [start, end] of copyRanges(lacking, source.size)) await upload.copy(source, start, end);
    }
    if (carried > 0 || upload.partCount === 0) await sendCarry();
    await upload.completeIfAbsent();
    this.open.delete(upload);
  }

  /**
   * Every part not yet in a file, left in the staging place for a later invocation: a large one
   * completed where it was staged, a small one put there whole. Empty parts are left out.
   */
  async persist(): Promise<Record<string, StagedPart>> {
    const staged: Record<string, StagedPart> = {};
    for (const [name, part] of this.parts) {
      if (part.done) continue;
      const source = await this.finish(name);
      const key = `${this.staging.prefix}${name}`;
      if ("bytes" in source) {
        if (source.bytes.length === 0) continue;
        const put = () => this.s3.send(new PutObjectCommand({ Bucket: this.staging.bucket, Key: key, Body: source.bytes, ContentLength: source.bytes.length }));
        await withRetries(put, this.options.retryPauseMs);
      }
      staged[name] = { key, size: "bytes" in source ? source.bytes.length : source.size };
    }
    return staged;
  }

  /** Aborts what did not complete; the staged parts expire with the staging place's lifecycle rule. */
  async close(): Promise<void> {
    await Promise.all([...this.open].map((upload) => upload.abort()));
    this.open.clear();
  }

  private get bufferBytes(): number {
    return Math.max(this.options.bufferBytes ?? BUFFER_BYTES, MIN_PART_BYTES);
  }

  private async stage(name: string, part: Part): Promise<void> {
    part.upload ??= await this.started({ Bucket: this.staging.bucket, Key: `${this.staging.prefix}${name}` });
    const body = Buffer.concat(part.buffered);
    part.buffered = [];
    part.bufferedBytes = 0;
    await part.upload.send(body);
    part.stagedBytes += body.length;
  }

  /** The part as it ends: in memory when it never grew past the buffer, else staged whole. Once, whichever file asks first. */
  private finish(name: string): Promise<Source> {
    const staged = this.options.staged?.[name];
    if (staged) return Promise.resolve({ Bucket: this.staging.bucket, Key: staged.key, size: staged.size });
    const part = this.partOf(name);
    part.done ??= (async () => {
      if (!part.upload) return { bytes: Buffer.concat(part.buffered) };
      if (part.bufferedBytes > 0) await this.stage(name, part);
      await part.upload.complete();
      this.open.delete(part.upload);
      return { Bucket: this.staging.bucket, Key: `${this.staging.prefix}${name}`, size: part.stagedBytes };
    })();
    return part.done;
  }

  private partOf(name: string): Part {
    let part = this.parts.get(name);
    if (!part) this.parts.set(name, (part = { buffered: [], bufferedBytes: 0, stagedBytes: 0 }));
    return part;
  }

  private async started(target: { Bucket: string; Key: string; ContentType?: string }): Promise<MultipartUpload> {
    const upload = await MultipartUpload.start(this.s3, target, this.options.retryPauseMs);
    this.open.add(upload);
    return upload;
  }
}

/** [start, size) as copy ranges of at most 5 GiB, all of one size and so each at least 5 MiB when the whole is. */
export function copyRanges(start: number, size: number): [number, number][] {
  const count = Math.ceil((size - start) / MAX_PART_BYTES);
  const each = Math.ceil((size - start) / count);
  return Array.from({ length: count }, (_, i) => [start + i * each, Math.min(size, start + (i + 1) * each)] as [number, number]);
}
