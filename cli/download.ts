import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";

/** Copies every object under a prefix into a folder, keeping the key as the relative path. */
export async function downloadPrefix(s3: S3Client, bucket: string, prefix: string, outDir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    for (const object of page.Contents ?? []) {
      if (!object.Key) continue;
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key }));
      const path = join(outDir, object.Key);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, await got.Body!.transformToByteArray());
      files.set(object.Key, path);
    }
  }
  return files;
}
