import { GetObjectCommand, paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { pathUnder, writePrivateFile } from "./private-files";
import type { DownloadProgress } from "../../local/progress";

/** Objects fetched at once: a run of 10,000 accounts is 10,000 reports, too many to fetch one by one. */
const DOWNLOADS_AT_ONCE = 16;

/** What a download wrote (by key), and the keys it would not write, each with why. */
export interface Downloaded {
  readonly files: Map<string, string>;
  readonly refused: readonly { readonly key: string; readonly why: string }[];
}

/**
 * Copies every object under a prefix into a folder, keeping the key as the relative path, each
 * file and folder readable by its owner only, even where an earlier download left them. A key
 * that would land outside the folder is refused, and the rest are still written. `progress`, when
 * given, is kept up to date for a progress line.
 */
export async function downloadPrefix(s3: S3Client, bucket: string, prefix: string, outDir: string, progress?: DownloadProgress): Promise<Downloaded> {
  const files = new Map<string, string>();
  const refused: { key: string; why: string }[] = [];
  const limit = pLimit(DOWNLOADS_AT_ONCE);
  const download = async (key: string) => {
    const place = pathUnder(outDir, key);
    if ("refused" in place) {
      refused.push({ key, why: place.refused });
      return;
    }
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = await got.Body!.transformToByteArray();
    await writePrivateFile(outDir, place.path, body);
    files.set(key, place.path);
    if (progress) {
      progress.files++;
      progress.bytes += body.byteLength;
    }
  };
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
    await Promise.all(keys.map((key) => limit(() => download(key))));
  }
  return { files, refused };
}
