import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import type { DownloadProgress } from "./progress";

/** Objects fetched at once: a run of 10,000 accounts is 10,000 reports, too many to fetch one by one. */
const DOWNLOADS_AT_ONCE = 16;

/**
 * Copies every object under a prefix into a folder, keeping the key as the relative path.
 * `progress`, when given, is kept up to date for a progress line.
 */
export async function downloadPrefix(s3: S3Client, bucket: string, prefix: string, outDir: string, progress?: DownloadProgress): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const limit = pLimit(DOWNLOADS_AT_ONCE);
  const download = async (key: string) => {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = await got.Body!.transformToByteArray();
    const path = join(outDir, key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
    files.set(key, path);
    if (progress) {
      progress.files++;
      progress.bytes += body.byteLength;
    }
  };
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
    await Promise.all(keys.map((key) => limit(() => download(key))));
  }
  return files;
}
