import { randomUUID } from "node:crypto";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import type { MapRunOutput } from "../functions/run/contracts";
import type { ChildExecutionResult, ResultWriterManifest } from "../functions/summarize/map-results";
import { applyResultPath, evaluateTemplate, type ExecutionContext, type Json, selectPath } from "./asl-paths";

/**
 * A Map state in DISTRIBUTED mode, as far as this project uses one: items from a JSON file in S3
 * (ItemReader), grouped into batches (ItemBatcher), each batch a child execution of the
 * ItemProcessor, and the children's results exported to S3 (ResultWriter).
 */
export interface DistributedMapState {
  readonly Type: "Map";
  readonly ItemReader: { readonly Resource: string; readonly ReaderConfig?: { readonly InputType?: string }; readonly Parameters: Record<string, unknown> };
  readonly ItemSelector?: Record<string, unknown>;
  readonly ItemBatcher?: { readonly MaxItemsPerBatch?: number; readonly MaxInputBytesPerBatch?: number; readonly BatchInput?: Record<string, unknown> };
  readonly ItemProcessor: { readonly ProcessorConfig: { readonly Mode: string; readonly ExecutionType?: string }; readonly StartAt: string; readonly States: Record<string, unknown> };
  readonly MaxConcurrency?: number;
  readonly ToleratedFailurePercentage?: number;
  readonly ToleratedFailureCount?: number;
  readonly ResultWriter?: { readonly Resource: string; readonly Parameters: Record<string, unknown> };
  readonly Label?: string;
  readonly InputPath?: string | null;
  readonly ResultPath?: string | null;
  readonly OutputPath?: string | null;
}

export function isDistributedMap(state: { Type?: string; ItemProcessor?: { ProcessorConfig?: { Mode?: string } } }): state is DistributedMapState {
  return state.Type === "Map" && state.ItemProcessor?.ProcessorConfig?.Mode === "DISTRIBUTED";
}

/** How one child execution ended. */
export type ChildOutcome = { readonly status: "SUCCEEDED"; readonly output: Json } | { readonly status: "FAILED"; readonly error: string; readonly cause: string };

export interface MapRunDeps {
  readonly s3: S3Client;
  /** Runs the ItemProcessor once, as a child execution of this name, with this input. */
  readonly runChild: (input: Json, name: string) => Promise<ChildOutcome>;
  /** Names the ARNs of the Map Run and its children, as Step Functions would. */
  readonly arns: { readonly region: string; readonly account: string; readonly stateMachineName: string; readonly partition?: string };
  readonly now?: () => Date;
}

/** The Map run failed as a whole, under a name Step Functions uses. */
export class MapRunFailed extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

// Step Functions' limit for one batch's input.
const MAX_BATCH_BYTES = 256 * 1024;
// With no MaxConcurrency, a Distributed Map runs up to 10,000 children at once.
const DEFAULT_MAX_CONCURRENCY = 10_000;

/** Runs a Distributed Map state on the state's input; returns the state's output (after ResultPath and OutputPath). */
export async function runDistributedMap(name: string, state: DistributedMapState, input: Json, context: ExecutionContext, deps: MapRunDeps): Promise<Json> {
  const effective = await selectPath(input, state.InputPath, context);
  const items = await readItems(state, effective, context, deps.s3);
  const selected = state.ItemSelector
    ? await Promise.all(items.map((value, index) => evaluateTemplate(state.ItemSelector!, effective, { ...context, Map: { Item: { Index: index, Value: value } } })))
    : items;
  const batchInput = state.ItemBatcher?.BatchInput ? await evaluateTemplate(state.ItemBatcher.BatchInput, effective, context) : undefined;
  const childInputs = state.ItemBatcher ? batchItems(selected, state.ItemBatcher, batchInput) : selected;

  const now = deps.now ?? (() => new Date());
  const mapRunId = randomUUID();
  const label = state.Label ?? name;
  const limit = pLimit(state.MaxConcurrency || DEFAULT_MAX_CONCURRENCY);
  const children = await Promise.all(
    childInputs.map((childInput) =>
      limit(async () => {
        const childName = randomUUID();
        const startDate = now();
        const outcome = await deps.runChild(childInput, childName);
        return { name: childName, input: childInput, outcome, startDate, stopDate: now() };
      }),
    ),
  );

  const failed = children.filter((child) => child.outcome.status === "FAILED").length;
  const output = state.ResultWriter
    ? await writeResults(state.ResultWriter, effective, context, deps, mapRunId, label, children)
    : (children.map((child) => (child.outcome.status === "SUCCEEDED" ? child.outcome.output : null)) as Json);
  if (exceedsTolerance(failed, children.length, state)) {
    throw new MapRunFailed("States.ExceedToleratedFailureThreshold", `${failed} of ${children.length} child executions failed`);
  }
  const placed = await applyResultPath(input, output, state.ResultPath, context);
  return selectPath(placed, state.OutputPath, context);
}

/** The items of the Map: a JSON array read from S3, as ItemReader's Parameters name it. */
async function readItems(state: DistributedMapState, input: Json, context: ExecutionContext, s3: S3Client): Promise<Json[]> {
  const reader = state.ItemReader;
  if (reader.Resource !== "arn:aws:states:::s3:getObject" || reader.ReaderConfig?.InputType !== "JSON") {
    throw new MapRunFailed("States.ItemReaderFailed", `only a JSON file read with s3:getObject is run locally, got ${reader.Resource} ${reader.ReaderConfig?.InputType}`);
  }
  const { Bucket, Key } = (await evaluateTemplate(reader.Parameters, input, context)) as { Bucket: string; Key: string };
  let items: unknown;
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket, Key }));
    items = JSON.parse((await object.Body?.transformToString("utf-8")) ?? "");
  } catch (err) {
    throw new MapRunFailed("States.ItemReaderFailed", `reading s3://${Bucket}/${Key}: ${(err as Error).message}`);
  }
  if (!Array.isArray(items)) throw new MapRunFailed("States.ItemReaderFailed", `s3://${Bucket}/${Key} does not hold a JSON array`);
  return items as Json[];
}

/**
 * Pure: the items grouped as ItemBatcher does, each batch the input of one child execution:
 * `{"Items": [...], "BatchInput": {...}}`, at most MaxItemsPerBatch items and MaxInputBytesPerBatch
 * bytes (256 KiB at most) each.
 */
export function batchItems(items: readonly Json[], batcher: NonNullable<DistributedMapState["ItemBatcher"]>, batchInput?: Json): Json[] {
  const maxItems = batcher.MaxItemsPerBatch ?? Number.MAX_SAFE_INTEGER;
  const maxBytes = Math.min(batcher.MaxInputBytesPerBatch ?? MAX_BATCH_BYTES, MAX_BATCH_BYTES);
  const withInput = (batch: Json[]): Json => (batchInput === undefined ? { Items: batch } : { Items: batch, BatchInput: batchInput });
  const size = (batch: Json[]) => Buffer.byteLength(JSON.stringify(withInput(batch)));
  const batches: Json[][] = [];
  let current: Json[] = [];
  for (const item of items) {
    if (current.length > 0 && (current.length >= maxItems || size([...current, item]) > maxBytes)) {
      batches.push(current);
      current = [];
    }
    current.push(item);
  }
  if (current.length > 0) batches.push(current);
  return batches.map(withInput);
}

interface ChildRun {
  readonly name: string;
  readonly input: Json;
  readonly outcome: ChildOutcome;
  readonly startDate: Date;
  readonly stopDate: Date;
}

/** Writes the results as ResultWriter does and returns the Map's output that points at them. */
async function writeResults(
  writer: NonNullable<DistributedMapState["ResultWriter"]>,
  input: Json,
  context: ExecutionContext,
  deps: MapRunDeps,
  mapRunId: string,
  label: string,
  children: readonly ChildRun[],
): Promise<Json> {
  const { Bucket, Prefix } = (await evaluateTemplate(writer.Parameters, input, context)) as { Bucket: string; Prefix?: string };
  const arn = (kind: string, resource: string) => `arn:${deps.arns.partition ?? "aws"}:states:${deps.arns.region}:${deps.arns.account}:${kind}:${resource}`;
  const files = resultFiles(children, {
    bucket: Bucket,
    prefix: Prefix ?? "",
    mapRunId,
    mapRunArn: arn("mapRun", `${deps.arns.stateMachineName}/${label}:${mapRunId}`),
    childStateMachineArn: arn("stateMachine", `${deps.arns.stateMachineName}/${label}`),
    childExecutionArn: (name) => arn("execution", `${deps.arns.stateMachineName}/${label}:${name}`),
  });
  // Step Functions writes these itself, unconditionally, under a prefix of their own.
  for (const file of files.files) {
    await deps.s3.send(new PutObjectCommand({ Bucket, Key: file.key, Body: file.body, ContentType: "application/json" }));
  }
  const output: MapRunOutput = { MapRunArn: files.manifest.MapRunArn, ResultWriterDetails: { Bucket, Key: files.manifestKey } };
  return output as unknown as Json;
}

/**
 * Pure: the objects ResultWriter writes for a Map run: `<Prefix>/<map run id>/SUCCEEDED_0.json`,
 * `FAILED_0.json` and `PENDING_0.json` (each the children of that status, with their input and
 * output as JSON text) and the `manifest.json` that lists them.
 */
export function resultFiles(
  children: readonly ChildRun[],
  names: {
    readonly bucket: string;
    readonly prefix: string;
    readonly mapRunId: string;
    readonly mapRunArn: string;
    readonly childStateMachineArn: string;
    readonly childExecutionArn: (name: string) => string;
  },
): { files: { key: string; body: string }[]; manifest: ResultWriterManifest; manifestKey: string } {
  const folder = `${names.prefix.replace(/\/$/, "")}${names.prefix ? "/" : ""}${names.mapRunId}/`;
  const entry = (child: ChildRun): ChildExecutionResult & Record<string, unknown> => ({
    ExecutionArn: names.childExecutionArn(child.name),
    Input: JSON.stringify(child.input),
    InputDetails: { Included: true },
    Name: child.name,
    ...(child.outcome.status === "SUCCEEDED"
      ? { Output: JSON.stringify(child.outcome.output), OutputDetails: { Included: true } }
      : { Error: child.outcome.error, Cause: child.outcome.cause }),
    RedriveCount: 0,
    RedriveStatus: "NOT_REDRIVABLE",
    StartDate: child.startDate.toISOString(),
    StateMachineArn: names.childStateMachineArn,
    Status: child.outcome.status,
    StopDate: child.stopDate.toISOString(),
  });
  const files: { key: string; body: string }[] = [];
  const listed: ResultWriterManifest["ResultFiles"] = { FAILED: [], PENDING: [], SUCCEEDED: [] };
  for (const status of ["SUCCEEDED", "FAILED"] as const) {
    const ofStatus = children.filter((child) => child.outcome.status === status);
    if (ofStatus.length === 0) continue;
    const key = `${folder}${status}_0.json`;
    const body = JSON.stringify(ofStatus.map(entry));
    files.push({ key, body });
    (listed[status] as { Key: string; Size: number }[]).push({ Key: key, Size: Buffer.byteLength(body) });
  }
  const manifest: ResultWriterManifest = { DestinationBucket: names.bucket, MapRunArn: names.mapRunArn, ResultFiles: listed };
  const manifestKey = `${folder}manifest.json`;
  files.push({ key: manifestKey, body: JSON.stringify(manifest) });
  return { files, manifest, manifestKey };
}

function exceedsTolerance(failed: number, total: number, state: DistributedMapState): boolean {
  if (failed === 0) return false;
  const percentage = state.ToleratedFailurePercentage ?? 0;
  const count = state.ToleratedFailureCount;
  const withinCount = count !== undefined && failed <= count;
  const withinPercentage = (failed / total) * 100 <= percentage;
  return !(withinCount || withinPercentage);
}
