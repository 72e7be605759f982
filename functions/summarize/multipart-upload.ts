import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  type CompletedPart,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { withRetries } from "../aws/with-retries";
import { describeAwsError, StoreFailed, TransientAwsError } from "../run/errors";

/** S3's smallest part but the last, and its largest part: 5 MiB and 5 GiB (Amazon S3 User Guide, "Amazon S3 multipart upload limits"). */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PART_BYTES = 5 * 1024 * 1024 * 1024;
/** At most 10,000 parts an upload (same page). */
export const MAX_PARTS = 10_000;

/** Where an upload goes. */
export interface UploadTarget {
  readonly Bucket: string;
  readonly Key: string;
  readonly ContentType?: string;
}

/**
 * One multipart upload: parts sent from memory or copied server-side from a range of another
 * object (UploadPartCopy), each call tried again on its own when AWS answers "later", completed
 * only if the key is still free when asked (If-None-Match), and aborted when it cannot be.
 */
export class MultipartUpload {
  private readonly parts: CompletedPart[] = [];

  private constructor(
    private readonly s3: S3Client,
    private readonly target: UploadTarget,
    private readonly uploadId: string,
    private readonly retryPauseMs?: number,
  ) {}

  static async start(s3: S3Client, target: UploadTarget, retryPauseMs?: number): Promise<MultipartUpload> {
    const created = await named(target.Key, () => withRetries(() => s3.send(new CreateMultipartUploadCommand({ ...target })), retryPauseMs));
    return new MultipartUpload(s3, target, created.UploadId!, retryPauseMs);
  }

  get partCount(): number {
    return this.parts.length;
  }

  async send(body: Buffer): Promise<void> {
    const PartNumber = this.nextPart();
    const sent = await this.retried(() => this.s3.send(new UploadPartCommand({ Bucket: this.target.Bucket, Key: this.target.Key, UploadId: this.uploadId, PartNumber, Body: body, ContentLength: body.length })));
    this.parts.push({ PartNumber, ETag: sent.ETag });
  }

  /** Bytes [start, end) of another object, copied by S3 without passing through here. */
  async copy(source: { readonly Bucket: string; readonly Key: string }, start: number, end: number): Promise<void> {
    const PartNumber = this.nextPart();
    const copied = await this.retried(() =>
      this.s3.send(
        new UploadPartCopyCommand({
          Bucket: this.target.Bucket,
          Key: this.target.Key,
          UploadId: this.uploadId,
          PartNumber,
          CopySource: `${source.Bucket}/${encodeURIComponent(source.Key).replace(/%2F/g, "/")}`,
          CopySourceRange: `bytes=${start}-${end - 1}`,
        }),
      ),
    );
    this.parts.push({ PartNumber, ETag: copied.CopyPartResult?.ETag });
  }

  /** Completes the upload if the key is free, as storeOnce: false when it already held an object (the upload is then aborted). */
  async completeIfAbsent(): Promise<boolean> {
    try {
      await this.complete("*");
      return true;
    } catch (err) {
      // retried() names every failure: a key already taken is a StoreFailed of S3's PreconditionFailed.
      if (!(err instanceof StoreFailed && err.code === "PreconditionFailed")) throw err;
      await this.abort();
      return false;
    }
  }

  /** Completes the upload; a working object with no condition (it is the run's own scratch). */
  async complete(ifNoneMatch?: "*"): Promise<void> {
    const { Bucket, Key } = this.target;
    await this.retried(() => this.s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId: this.uploadId, MultipartUpload: { Parts: this.parts }, ...(ifNoneMatch ? { IfNoneMatch: ifNoneMatch } : {}) })));
  }

  /** Drops the parts sent; best effort, as the bucket's lifecycle rule aborts what is left. */
  async abort(): Promise<void> {
    await this.s3.send(new AbortMultipartUploadCommand({ Bucket: this.target.Bucket, Key: this.target.Key, UploadId: this.uploadId })).catch(() => undefined);
  }

  private nextPart(): number {
    if (this.parts.length >= MAX_PARTS) throw new StoreFailed("TooManyParts", `${this.target.Key}: more than ${MAX_PARTS} parts`);
    return this.parts.length + 1;
  }

  private retried<T>(work: () => Promise<T>): Promise<T> {
    return named(this.target.Key, () => withRetries(work, this.retryPauseMs));
  }
}

/** Bytes [start, end) of an object, read into memory. */
export async function readRange(s3: S3Client, source: { readonly Bucket: string; readonly Key: string }, start: number, end: number, retryPauseMs?: number): Promise<Buffer> {
  return named(source.Key, () =>
    withRetries(async () => {
      const got = await s3.send(new GetObjectCommand({ ...source, Range: `bytes=${start}-${end - 1}` }));
      return Buffer.from(await got.Body!.transformToByteArray());
    }, retryPauseMs),
  );
}

/** A failure named as storeOnce names it: "later" as TransientAwsError, anything else as StoreFailed. */
async function named<T>(key: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof TransientAwsError || err instanceof StoreFailed) throw err;
    const aws = describeAwsError(err);
    if (aws.transient) throw new TransientAwsError(aws.code, `${key}: ${aws.message}`);
    throw new StoreFailed(aws.code, `${key}: ${aws.message}`);
  }
}
