import { type CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import type { ExecutionRecord } from "../authorizer/authorizer";

/** An EventBridge event as the default bus carries it. */
export interface BusEvent {
  readonly source: string;
  readonly "detail-type": string;
  readonly account: string;
  readonly region: string;
  readonly time: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
}

/**
 * The "Step Functions Execution Status Change" event Step Functions sends to the default bus when
 * an execution ends, in the shape the Step Functions Developer Guide gives ("EventBridge events
 * for Step Functions execution status changes"): the detail is DescribeExecution's answer, its
 * dates in milliseconds since the epoch.
 */
export function executionStatusChange(execution: ExecutionRecord): BusEvent {
  const [, , , region, account] = execution.executionArn.split(":");
  const ms = (seconds: number | undefined) => (seconds === undefined ? null : Math.round(seconds * 1000));
  return {
    source: "aws.states",
    "detail-type": "Step Functions Execution Status Change",
    account,
    region,
    time: new Date((execution.stopDate ?? execution.startDate) * 1000).toISOString().replace(/\.\d+Z$/, "Z"),
    resources: [execution.executionArn],
    detail: {
      executionArn: execution.executionArn,
      stateMachineArn: execution.stateMachineArn,
      name: execution.name,
      status: execution.status,
      startDate: ms(execution.startDate),
      stopDate: ms(execution.stopDate),
      input: execution.input,
      output: execution.output ?? null,
      ...(execution.error !== undefined ? { error: execution.error, cause: execution.cause ?? null } : {}),
    },
  };
}

/** Step Functions' own metric of an execution that ended (AWS/States, per state machine), as CloudWatch receives it. */
export async function recordExecutionMetric(cloudWatch: CloudWatchClient, execution: ExecutionRecord): Promise<void> {
  const metric = { SUCCEEDED: "ExecutionsSucceeded", FAILED: "ExecutionsFailed", TIMED_OUT: "ExecutionsTimedOut", ABORTED: "ExecutionsAborted" }[execution.status];
  if (!metric) return;
  await cloudWatch.send(
    new PutMetricDataCommand({
      Namespace: "AWS/States",
      MetricData: [{ MetricName: metric, Dimensions: [{ Name: "StateMachineArn", Value: execution.stateMachineArn }], Value: 1, Unit: "Count", Timestamp: new Date() }],
    }),
  );
}
