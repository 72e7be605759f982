import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { parse } from "yaml";
import type { MockEngine } from "./pulumi-engine";

/**
 * Where the Pulumi CLI starts a project's program: Pulumi.yaml's `main` (a file: its folder and its
 * name; a folder: that folder and "."), else the project folder and "." (the CLI's getPwdMain).
 * With ".", the SDK's cmd/run looks in package.json (`exports`, then `main`, when that file exists).
 */
export function programEntry(projectDir: string): { pwd: string; entry: string } {
  const main: unknown = parse(readFileSync(join(projectDir, "Pulumi.yaml"), "utf8"))?.main;
  if (typeof main !== "string" || main === "") return { pwd: projectDir, entry: "." };
  const path = join(projectDir, main);
  if (!existsSync(path)) throw new Error(`Pulumi.yaml's main ${JSON.stringify(main)} does not exist`);
  return statSync(path).isDirectory() ? { pwd: path, entry: "." } : { pwd: dirname(path), entry: basename(path) };
}

/** The environment of a child the CLI starts: this process's, without any PULUMI_ setting of its own. */
function childEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("PULUMI_")));
  return { ...env, ...extra };
}

/** What a child process printed and how it ended. */
export interface ChildResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a project's program as `pulumi preview`/`up` does through the Node.js language host: the
 * SDK's own cmd/run of the project's node_modules, with the host's arguments and environment
 * (TypeScript on, as Pulumi.yaml says; config in PULUMI_CONFIG), talking to `engine`.
 * `env` adds what a user may set (PULUMI_NODEJS_TRANSPILE_ONLY) or a runtime option sets
 * (PULUMI_NODEJS_TSCONFIG_PATH).
 */
export function runAsLanguageHost(options: {
  projectDir: string;
  engine: MockEngine;
  project: string;
  stack: string;
  /** Config as the stack holds it: `namespace:key` to its value. */
  config: Record<string, string>;
  env?: Record<string, string>;
}): Promise<ChildResult> {
  const { pwd, entry } = programEntry(options.projectDir);
  const run = require.resolve("@pulumi/pulumi/cmd/run", { paths: [pwd] });
  // The host hands config over as `namespace:config:key`.
  const config = Object.fromEntries(Object.entries(options.config).map(([key, value]) => [key.replace(":", ":config:"), value]));
  const args = [
    run,
    ...["--monitor", options.engine.monitorAddress, "--engine", options.engine.engineAddress],
    ...["--project", options.project, "--root-directory", options.projectDir, "--stack", options.stack, "--pwd", pwd],
    entry,
  ];
  const env = childEnvironment({ PULUMI_CONFIG: JSON.stringify(config), PULUMI_NODEJS_TYPESCRIPT: "true", ...options.env });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: pwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
