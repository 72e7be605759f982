import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { bundleFunction, FUNCTION_NAMES } from "../functions/pipeline/bundle";

/** Writes each Lambda's bundle to dist/<name>/index.js, the file a deployment zips. */
async function main(outDir = "dist"): Promise<void> {
  for (const name of FUNCTION_NAMES) {
    const started = process.hrtime.bigint();
    const code = await bundleFunction(name);
    const path = join(outDir, name, "index.js");
    await mkdir(join(outDir, name), { recursive: true });
    await writeFile(path, code);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`${path}  ${(code.length / 1024).toFixed(0)} KiB  ${ms.toFixed(0)} ms`);
  }
}

main(process.argv[2]).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
