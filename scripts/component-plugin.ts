import { type ChildProcess, spawn } from "node:child_process";
import * as grpc from "@grpc/grpc-js";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import { ConstructRequest, GetSchemaRequest } from "@pulumi/pulumi/proto/provider_pb";
import { runtime } from "@pulumi/pulumi";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

/** A component plugin started as the Pulumi CLI starts it, and a gRPC client to it. */
export interface ComponentPlugin {
  readonly client: ResourceProviderClient;
  /** The schema the plugin serves (GetSchema), parsed. */
  schema(): Promise<Record<string, any>>;
  /**
   * Constructs a component as the engine asks for one a YAML or Python program declares: the
   * plugin registers its parts with the monitor at `monitorAddress`. Answers with its URN and outputs.
   */
  construct(request: ConstructArgs): Promise<{ urn: string; state: Record<string, unknown> }>;
  /** What the plugin printed to stderr so far. */
  stderr(): string;
  stop(): void;
}

/**
 * Starts this folder's component package as `pulumi package add <folder>` does (the Node.js
 * language host's RunPlugin): `node @pulumi/pulumi/cmd/run-plugin <folder>` with TypeScript on
 * (PulumiPlugin.yaml), run from the consumer's folder `cwd`, the engine's address as its argument.
 * run-plugin requires the folder (package.json `main`), serves the components it exports under
 * package.json's `name` (PulumiPlugin.yaml's `main` is not passed on), and prints its port first.
 */
export function startComponentPlugin(pluginDir: string, options: { cwd: string; engineAddress?: string }): Promise<ComponentPlugin> {
  const runPlugin = require.resolve("@pulumi/pulumi/cmd/run-plugin", { paths: [pluginDir] });
  const args = [runPlugin, pluginDir, ...(options.engineAddress ? [options.engineAddress] : [])];
  const env = { ...process.env, PULUMI_NODEJS_TYPESCRIPT: "true" };
  const child = spawn(process.execPath, args, { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const failed = (why: string) => reject(new Error(`the plugin ${why} before printing its port:\n${stderr}`));
    child.on("error", reject);
    child.on("exit", (code) => failed(`exited (${code})`));
    child.stdout!.on("data", (chunk) => {
      stdout += chunk;
      const port = /^(\d+)\n/.exec(stdout)?.[1];
      if (!port) return;
      child.removeAllListeners("exit");
      resolve(connect(child, Number(port), () => stderr));
    });
  });
}

/** What the engine sends in a ConstructRequest. */
export interface ConstructArgs {
  readonly monitorAddress: string;
  readonly project: string;
  readonly stack: string;
  /** The root stack's URN, the component's parent. */
  readonly parent: string;
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  /** The stack's config, `namespace:key` to its value. */
  readonly config?: Record<string, string>;
}

async function constructRequest(args: ConstructArgs): Promise<ConstructRequest> {
  const request = new ConstructRequest()
    .setMonitorendpoint(args.monitorAddress)
    .setProject(args.project)
    .setStack(args.stack)
    .setParent(args.parent)
    .setType(args.type)
    .setName(args.name)
    .setParallel(16)
    .setDryrun(false)
    .setInputs(Struct.fromJavaScript(await runtime.serializeProperties("construct inputs", args.inputs)));
  for (const [key, value] of Object.entries(args.config ?? {})) request.getConfigMap().set(key, value);
  return request;
}

function connect(child: ChildProcess, port: number, stderr: () => string): ComponentPlugin {
  const client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return {
    client,
    stderr,
    schema: () =>
      new Promise((resolve, reject) =>
        client.getSchema(new GetSchemaRequest().setVersion(0), (error, response) => (error ? reject(error) : resolve(JSON.parse(response!.getSchema())))),
      ),
    construct: async (args) => {
      const request = await constructRequest(args);
      return new Promise((resolve, reject) =>
        client.construct(request, (error, response) =>
          error ? reject(error) : resolve({ urn: response!.getUrn(), state: runtime.deserializeProperties(response!.getState()!) as Record<string, unknown> }),
        ),
      );
    },
    stop: () => {
      client.close();
      child.kill();
    },
  };
}
