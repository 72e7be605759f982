import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { COMPONENT_PACKAGE } from "../component-package";

/** The committed schema of the component package: what `pulumi package add` generates SDKs from. */
export const SCHEMA_FILE = join(__dirname, "..", "schema.json");

/** The schema as the plugin serves it, read from the TypeScript sources by Pulumi's analyzer. */
export async function componentSchema(): Promise<Record<string, any>> {
  return JSON.parse(await new ComponentProvider(COMPONENT_PACKAGE).getSchema());
}

// npm run schema: rewrite schema.json after changing the component's arguments or outputs.
if (require.main === module) {
  componentSchema()
    .then((schema) => {
      writeFileSync(SCHEMA_FILE, `${JSON.stringify(schema, null, 2)}\n`);
      console.log(`wrote ${SCHEMA_FILE}`);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
