import { randomUUID } from "node:crypto";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import type { Authorizer } from "../authorizer/authorizer";
import type { DeployedSchedule } from "../deployed-stack";

/** What one start of the schedule came to: the execution it started, or the dead-letter message it left. */
export type ScheduledStart = { readonly started: string } | { readonly deadLettered: { readonly errorCode: string; readonly errorMessage: string; readonly attempts: number } };

/**
 * One start of the schedule, as EventBridge Scheduler makes it (moto has no Scheduler): it takes
 * the schedule's role, as scheduler.amazonaws.com, and calls StartExecution with the target's
 * input; a failed call is tried again up to the retry policy's MaximumRetryAttempts (at once here:
 * Scheduler waits between tries). When every try failed, it sends the dead-letter event to the
 * queue, as the same role, with the attributes the Scheduler User Guide lists ("Configuring a
 * schedule's dead-letter queue"). Every call goes through `endpoint` (the layer, or a proxy in front of it).
 */
export async function startOnSchedule(schedule: DeployedSchedule, authorizer: Authorizer, endpoint: string, scheduledAt = new Date()): Promise<ScheduledStart> {
  const region = schedule.targetArn.split(":")[3];
  const credentials = await authorizer.serviceSession(schedule.roleArn, "scheduler.amazonaws.com", randomUUID());
  // Scheduler's own retry policy, not the SDK's, decides how often a start is tried.
  const sfn = new SFNClient({ endpoint, region, credentials, maxAttempts: 1 });
  let failure: { name: string; message: string } = { name: "", message: "" };
  const attempts = schedule.maximumRetryAttempts + 1;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: schedule.targetArn, input: schedule.input }));
      return { started: executionArn! };
    } catch (err) {
      failure = { name: (err as Error).name, message: (err as Error).message };
    }
  }
  if (!schedule.deadLetterArn) return { deadLettered: { errorCode: failure.name, errorMessage: failure.message, attempts } };
  const [, , , , account, queue] = schedule.deadLetterArn.split(":");
  const sqs = new SQSClient({ endpoint, region, credentials });
  const attribute = (value: string) => ({ DataType: "String", StringValue: value });
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: `${endpoint}/${account}/${queue}`,
      MessageBody: schedule.input,
      MessageAttributes: {
        ERROR_CODE: attribute(failure.name),
        ERROR_MESSAGE: attribute(failure.message),
        EXECUTION_ID: attribute(randomUUID()),
        EXHAUSTED_RETRY_CONDITION: attribute("MaximumRetryAttempts"),
        IS_PAYLOAD_TRUNCATED: attribute("false"),
        RETRY_ATTEMPTS: attribute(String(schedule.maximumRetryAttempts)),
        SCHEDULED_TIME: attribute(scheduledAt.toISOString()),
        SCHEDULE_ARN: attribute(schedule.arn),
        TARGET_ARN: attribute(schedule.targetArn),
      },
    }),
  );
  return { deadLettered: { errorCode: failure.name, errorMessage: failure.message, attempts } };
}
