import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { serviceTrust } from "../policies/document";
import { schedulePolicy } from "../policies/pipeline-policies";
import { deadLetterQueuePolicy } from "../policies/resource-policies";

export interface RunScheduleArgs {
  /** The name of the component that makes it; its resources are named after it. */
  readonly owner: string;
  readonly stateMachineArn: pulumi.Output<string>;
  /** What a run needs besides the state machine: the first start waits for it. */
  readonly dependsOn: pulumi.Resource[];
  /** The pipeline's account: only its Scheduler may take the role. */
  readonly accountId: pulumi.Output<string>;
  /** An EventBridge Scheduler expression, e.g. "cron(0 8 * * ? *)". */
  readonly scheduleExpression: string;
  readonly scheduleTimezone: string;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * "The maximum retention period for a message in a queue: 1,209,600 seconds (14 days)" (SQS
 * Developer Guide, "Amazon SQS message quotas"): a failed start is kept as long as SQS allows.
 */
const DEAD_LETTER_RETENTION_SECONDS = 1_209_600;

/**
 * Starts a run on schedule: EventBridge Scheduler, through a role that may start only this state
 * machine. Each start gets a generated execution name, which becomes the run id. A start Scheduler
 * gives up on (after 3 retries) goes to a dead-letter queue, whose alarm is heard (run-watch.ts).
 * The resources are the parent's children, under the names they have always had.
 */
export function runSchedule(parent: pulumi.Resource, args: RunScheduleArgs): { readonly schedule: aws.scheduler.Schedule; readonly deadLetterQueue: aws.sqs.Queue } {
  const deadLetterQueue = new aws.sqs.Queue(
    `${args.owner}-schedule-dead-letters`,
    { messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS, sqsManagedSseEnabled: true, tags: args.tags },
    { parent },
  );
  new aws.sqs.QueuePolicy(
    `${args.owner}-schedule-dead-letters-policy`,
    { queueUrl: deadLetterQueue.url, policy: deadLetterQueue.arn.apply((arn) => JSON.stringify(deadLetterQueuePolicy(arn))) },
    { parent },
  );
  const role = new aws.iam.Role(
    `${args.owner}-schedule-role`,
    {
      description: "Starts the credential report state machine on schedule",
      assumeRolePolicy: args.accountId.apply((account) => JSON.stringify(serviceTrust("TrustSchedulerOfThisAccount", "scheduler.amazonaws.com", account))),
      tags: args.tags,
    },
    { parent },
  );
  const permissions = new aws.iam.RolePolicy(
    `${args.owner}-schedule-policy`,
    { role: role.name, policy: pulumi.all([args.stateMachineArn, deadLetterQueue.arn]).apply(([arn, queueArn]) => JSON.stringify(schedulePolicy(arn, queueArn))) },
    { parent },
  );
  const schedule = new aws.scheduler.Schedule(
    `${args.owner}-schedule`,
    {
      description: "Daily organization-wide IAM credential report run",
      scheduleExpression: args.scheduleExpression,
      scheduleExpressionTimezone: args.scheduleTimezone,
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: args.stateMachineArn,
        roleArn: role.arn,
        input: "{}",
        retryPolicy: { maximumRetryAttempts: 3 },
        deadLetterConfig: { arn: deadLetterQueue.arn },
      },
    },
    { parent, dependsOn: [permissions, ...args.dependsOn] },
  );
  return { schedule, deadLetterQueue };
}
