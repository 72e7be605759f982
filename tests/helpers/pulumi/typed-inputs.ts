import { join } from "node:path";
import ts from "typescript";
import type { RecordedResource } from "./mock-cloud";

const ROOT = join(__dirname, "..", "..", "..");
// A file that never exists on disk: the compiler host below serves it from memory.
const VIRTUAL_FILE = join(ROOT, "tests", "helpers", "pulumi", "__recorded-inputs__.ts");

/**
 * The `@pulumi/aws` Args type of a resource type token: `aws:s3/bucket:Bucket` is
 * `aws.s3.BucketArgs`, `aws:index/provider:Provider` and the provider resource are `aws.ProviderArgs`.
 */
export function argsTypeOf(token: string): string | undefined {
  if (token === "pulumi:providers:aws") return "aws.ProviderArgs";
  const match = /^aws:([\w]+)\/\w+:(\w+)$/.exec(token);
  if (!match) return undefined;
  const [, module, name] = match;
  return module === "index" ? `aws.${name}Args` : `aws.${module}.${name}Args`;
}

/** A recorded input value as TypeScript source; assets and archives as the SDK's own classes. */
function literal(value: unknown): string {
  if (value !== null && typeof value === "object") {
    if ("__pulumiArchive" in value) return "new pulumi.asset.AssetArchive({})";
    if ("__pulumiAsset" in value) return 'new pulumi.asset.StringAsset("")';
    if (Array.isArray(value)) return `[${value.map(literal).join(", ")}]`;
    return `{ ${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}: ${literal(item)}`)
      .join(", ")} }`;
  }
  return JSON.stringify(value) ?? "undefined";
}

/**
 * A provider resource's inputs reach the engine as JSON text ("[{...}]", "false"), the encoding of
 * provider configuration; the typed literal wants them decoded.
 */
function providerInputs(inputs: Record<string, unknown>): Record<string, unknown> {
  const decode = (value: unknown) => {
    if (typeof value !== "string") return value;
    try {
      const parsed: unknown = JSON.parse(value);
      return typeof parsed === "string" ? value : parsed;
    } catch {
      return value;
    }
  };
  return Object.fromEntries(Object.entries(inputs).map(([key, value]) => [key, decode(value)]));
}

/**
 * A TypeScript file that writes each recorded `aws` resource's inputs as an object literal typed
 * with the provider's own Args type, so the compiler checks what the engine would send: an
 * unknown (excess) property, a missing required input or a value of the wrong type fails.
 */
export function typedInputsSource(resources: readonly RecordedResource[]): { source: string; checked: number } {
  const lines = ['import * as aws from "@pulumi/aws";', 'import * as pulumi from "@pulumi/pulumi";', "void pulumi;"];
  let checked = 0;
  for (const resource of resources) {
    const type = argsTypeOf(resource.type);
    if (!type) continue;
    const inputs = resource.type.startsWith("pulumi:providers:") ? providerInputs(resource.inputs) : resource.inputs;
    lines.push(`// ${resource.type} ${resource.name}`, `export const r${checked++}: ${type} = ${literal(inputs)};`);
  }
  return { source: lines.join("\n") + "\n", checked };
}

/** Type-checks a source file as part of this project (its compiler options, its node_modules). */
export function typeCheck(source: string): string[] {
  const configPath = join(ROOT, "tsconfig.json");
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, language, ...rest) =>
    fileName === VIRTUAL_FILE ? ts.createSourceFile(fileName, source, language) : getSourceFile(fileName, language, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => fileName === VIRTUAL_FILE || fileExists(fileName);
  const program = ts.createProgram([VIRTUAL_FILE], options, host);
  const lines = source.split("\n");
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === VIRTUAL_FILE || d.file === undefined)
    .map((d) => {
      const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
      if (!d.file || d.start === undefined) return message;
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      // The comment line above each declaration names the resource.
      const resource = lines[line - 1]?.replace(/^\/\/ /, "") ?? "";
      return `${resource}: TS${d.code}: ${message}`;
    });
}
