import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { serviceTrust } from "../policies/document";
import { schedulePolicy } from "../policies/pipeline-policies";

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
 * Starts a run on schedule: EventBridge Scheduler, through a role that may start only this state
 * machine. Each start gets a generated execution name, which becomes the run id. The resources are
 * the parent's children, under the names they have always had.
 */
export function runSchedule(parent: pulumi.Resource, args: RunScheduleArgs): aws.scheduler.Schedule {
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
    { role: role.name, policy: args.stateMachineArn.apply((arn) => JSON.stringify(schedulePolicy(arn))) },
    { parent },
  );
  return new aws.scheduler.Schedule(
    `${args.owner}-schedule`,
    {
      description: "Daily organization-wide IAM credential report run",
      scheduleExpression: args.scheduleExpression,
      scheduleExpressionTimezone: args.scheduleTimezone,
      flexibleTimeWindow: { mode: "OFF" },
      target: { arn: args.stateMachineArn, roleArn: role.arn, input: "{}", retryPolicy: { maximumRetryAttempts: 3 } },
    },
    { parent, dependsOn: [permissions, ...args.dependsOn] },
  );
}
