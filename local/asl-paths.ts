import { StateMachine } from "aws-local-stepfunctions";

/** A JSON value as the state machine passes it around. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The context object ($$) of an execution, as far as the local tools fill it in. */
export interface ExecutionContext {
  readonly Execution: { readonly Name: string; readonly StartTime?: string };
  readonly Map?: { readonly Item: { readonly Index: number; readonly Value: Json } };
}

/**
 * Runs one Pass state in the interpreter: the one place where JSONPath, payload templates
 * ("Key.$", intrinsic functions) and ResultPath are evaluated, so the local tools never have their
 * own reading of them.
 */
async function pass(state: Record<string, unknown>, input: Json, context: ExecutionContext): Promise<Json> {
  const machine = new StateMachine({ StartAt: "Evaluate", States: { Evaluate: { Type: "Pass", End: true, ...state } } } as never, {
    validationOptions: { noValidate: true },
  });
  return (await machine.run(input as never, { context: context as never }).result) as Json;
}

/** A payload template (`{"Bucket.$": "$.x"}`) evaluated against a state's input and context. */
export function evaluateTemplate(template: Record<string, unknown>, input: Json, context: ExecutionContext): Promise<Json> {
  return pass({ Parameters: template }, input, context);
}

/** A state's input with a result placed at its ResultPath (`null` keeps the input as it was). */
export function applyResultPath(input: Json, result: Json, resultPath: string | null | undefined, context: ExecutionContext): Promise<Json> {
  return pass({ Result: result, ResultPath: resultPath === undefined ? "$" : resultPath }, input, context);
}

/** A state's effective input (InputPath) or output (OutputPath): the value a path selects. */
export function selectPath(value: Json, path: string | null | undefined, context: ExecutionContext): Promise<Json> {
  if (path === undefined) return Promise.resolve(value);
  return pass({ InputPath: path }, value, context);
}
