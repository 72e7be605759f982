import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { expect } from "chai";
import { guardrails, POLICY_PACK_NAME } from "../../policies/guardrails";

// Pulumi's generated protobuf modules ship without typings.
const { AnalyzerClient } = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const { AnalyzeRequest, AnalyzerResourceOptions, EnforcementLevel } = require("@pulumi/pulumi/proto/analyzer_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
const { Empty } = require("google-protobuf/google/protobuf/empty_pb");

const PACK_DIR = join(__dirname, "../../policies/pack");

/** Starts the pack the way Pulumi's Node.js language host does, and resolves with the port it serves on. */
function startPack(): Promise<{ pack: ChildProcess; port: number }> {
  const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");
  // The host runs the pack from its own directory and passes <engine address> <program directory>.
  const pack = spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: PACK_DIR, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  return new Promise((resolve, reject) => {
    pack.stdout!.on("data", (chunk) => {
      stdout += chunk;
      const port = /^(\d+)\s*$/m.exec(stdout);
      if (port) resolve({ pack, port: Number(port[1]) });
    });
    pack.stderr!.on("data", (chunk) => (stderr += chunk));
    pack.on("exit", (code) => reject(new Error(`the policy pack exited with ${code} before serving:\n${stderr}${stdout}`)));
  });
}

/** Calls one unary method of the analyzer service. */
function call<T>(client: any, method: string, request: unknown): Promise<T> {
  return new Promise((resolve, reject) => client[method](request, (error: Error | null, response: T) => (error ? reject(error) : resolve(response))));
}

describe("policy pack, served by Pulumi's own policy pack runner", function () {
  this.timeout(120_000);
  let pack: ChildProcess | undefined;
  let client: any;

  before(async () => {
    const started = await startPack();
    pack = started.pack;
    client = new AnalyzerClient(`127.0.0.1:${started.port}`, grpc.credentials.createInsecure());
  });

  after(() => {
    client?.close();
    pack?.kill();
  });

  it("compiles and serves every guardrail as mandatory, under the pack's name and version", async () => {
    const info = await call<any>(client, "getAnalyzerInfo", new Empty());
    expect(info.getName()).to.equal(POLICY_PACK_NAME);
    expect(info.getVersion()).to.equal(JSON.parse(readFileSync(join(PACK_DIR, "package.json"), "utf8")).version);
    expect(info.getPoliciesList().map((p: any) => [p.getName(), p.getEnforcementlevel()])).to.deep.equal(
      guardrails().map((p) => [p.name, EnforcementLevel.MANDATORY]),
    );
  });

  it("reports a violation on a resource the engine sends it", async () => {
    const request = new AnalyzeRequest();
    request.setType("aws:cloudwatch/logGroup:LogGroup");
    request.setName("logs");
    request.setUrn("urn:pulumi:ci::org-credential-reports::aws:cloudwatch/logGroup:LogGroup::logs");
    request.setProperties(Struct.fromJavaScript({ namePrefix: "/aws/lambda/example-" }));
    request.setOptions(new AnalyzerResourceOptions());
    const response = await call<any>(client, "analyze", request);
    // The server puts the policy's description above the violation's own message.
    const description = guardrails().find((p) => p.name === "log-group-retention")!.description;
    expect(response.getDiagnosticsList().map((d: any) => [d.getPolicyname(), d.getEnforcementlevel(), d.getMessage()])).to.deep.equal([
      [
        "log-group-retention",
        EnforcementLevel.MANDATORY,
        `${description}\nlog group keeps its events forever: set retentionInDays to one of CloudWatch Logs' periods (got null)`,
      ],
    ]);
  });
});
