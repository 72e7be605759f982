import * as grpc from "@grpc/grpc-js";
import { runtime } from "@pulumi/pulumi";
import { EngineService } from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engineproto from "@pulumi/pulumi/proto/engine_pb";
import { ResourceMonitorService } from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

/** A message the program logged through the engine (what `pulumi up` prints as a diagnostic). */
export interface EngineLog {
  readonly severity: "debug" | "info" | "warning" | "error";
  readonly message: string;
}

/** The engine of `pulumi up`, reduced to what a program or a component plugin talks to, on loopback. */
export interface MockEngine {
  /** The resource monitor's address, for cmd/run's --monitor and a ConstructRequest. */
  readonly monitorAddress: string;
  /** The engine's address, for cmd/run's --engine and a plugin's first argument. */
  readonly engineAddress: string;
  readonly logs: EngineLog[];
  stop(): Promise<void>;
}

const SEVERITIES = ["debug", "info", "warning", "error"] as const;

type Handler = (call: { request: any }, callback: (error: Error | null, response?: unknown) => void) => void;

/** A unary handler that answers with what `answer` returns, or the error it throws. */
const unary =
  (answer: (request: any) => unknown): Handler =>
  (call, callback) => {
    Promise.resolve()
      .then(() => answer(call.request))
      .then((response) => callback(null, response), (error: Error) => callback(error));
  };

/**
 * Starts a resource monitor and an engine (the gRPC services the Pulumi CLI serves to a program)
 * on loopback, answering resources and invokes from `mocks`: a program run by the SDK's own
 * cmd/run, or a component a plugin constructs, registers with them exactly as with `pulumi up`.
 * URNs are made as the engine makes them, parent types included.
 */
export async function startMockEngine(mocks: runtime.Mocks, project: string, stack: string): Promise<MockEngine> {
  const logs: EngineLog[] = [];
  // As the engine makes them: a parent's type is part of its children's, the root stack's is not.
  const urnOf = (parent: string, type: string, name: string) => {
    const parentType = parent.split("::")[2] ?? "";
    const prefix = parentType && parentType !== "pulumi:pulumi:Stack" ? `${parentType}$` : "";
    return `urn:pulumi:${stack}::${project}::${prefix}${type}::${name}`;
  };
  let root = "";

  const monitor: Record<string, Handler> = {
    supportsFeature: unary((request: resproto.SupportsFeatureRequest) =>
      // As Pulumi's own mocks: no output values, so inputs arrive as plain values.
      new resproto.SupportsFeatureResponse().setHassupport(request.getId() !== "outputValues"),
    ),
    registerPackage: unary(() => new resproto.RegisterPackageResponse().setRef("mock-package")),
    registerResource: unary(async (request: resproto.RegisterResourceRequest) => {
      const type = request.getType();
      const name = request.getName();
      const urn = urnOf(request.getParent(), type, name);
      const result = await mocks.newResource({
        type,
        name,
        inputs: runtime.deserializeProperties(request.getObject()!),
        provider: request.getProvider(),
        custom: request.getCustom(),
        id: request.getImportid(),
      });
      const state = await runtime.serializeProperties("mock state", result.state);
      return new resproto.RegisterResourceResponse()
        .setUrn(urn)
        .setId(result.id ?? "")
        .setObject(Struct.fromJavaScript(state));
    }),
    registerResourceOutputs: unary(() => new Empty()),
    invoke: unary(async (request: resproto.ResourceInvokeRequest) => {
      const result = await mocks.call({ token: request.getTok(), inputs: runtime.deserializeProperties(request.getArgs()!), provider: request.getProvider() });
      const answer = await runtime.serializeProperties("mock invoke", result);
      return new resproto.ResourceInvokeResponse().setReturn(Struct.fromJavaScript(answer));
    }),
    registerStackTransform: unary(() => new Empty()),
    registerStackInvokeTransform: unary(() => new Empty()),
    signalAndWaitForShutdown: unary(() => new Empty()),
  };
  const engine: Record<string, Handler> = {
    log: unary((request: engineproto.LogRequest) => {
      logs.push({ severity: SEVERITIES[request.getSeverity()] ?? "error", message: request.getMessage() });
      return new Empty();
    }),
    getRootResource: unary(() => new engineproto.GetRootResourceResponse().setUrn(root)),
    setRootResource: unary((request: engineproto.SetRootResourceRequest) => {
      root = request.getUrn();
      return new engineproto.SetRootResourceResponse();
    }),
  };

  const server = new grpc.Server();
  server.addService(ResourceMonitorService, monitor);
  server.addService(EngineService, engine);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  const address = `127.0.0.1:${port}`;
  return {
    monitorAddress: address,
    engineAddress: address,
    logs,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
