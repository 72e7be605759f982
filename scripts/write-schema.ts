import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startComponentPlugin } from "./component-plugin";

/** The folder of the component package (package.json, its `main` built by `prepare`). */
export const PACKAGE_DIR = join(__dirname, "..");
/** The committed schema of the component package: what `pulumi package add` generates SDKs from. */
export const SCHEMA_FILE = join(PACKAGE_DIR, "schema.json");

/**
 * The schema as `pulumi package add` gets it: from the plugin started the CLI's way, asked over
 * gRPC, from an empty consumer folder (as a YAML or Python program's, with no tsconfig.json).
 */
export async function servedSchema(): Promise<Record<string, any>> {
  const consumer = mkdtempSync(join(tmpdir(), "credreport-consumer-"));
  const plugin = await startComponentPlugin(PACKAGE_DIR, { cwd: consumer });
  try {
    return await plugin.schema();
  } finally {
    plugin.stop();
    rmSync(consumer, { recursive: true, force: true });
  }
}

// npm run schema: rewrite schema.json after changing the component's arguments or outputs.
if (require.main === module) {
  servedSchema()
    .then((schema) => {
      writeFileSync(SCHEMA_FILE, `${JSON.stringify(schema, null, 2)}\n`);
      console.log(`wrote ${SCHEMA_FILE}`);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
