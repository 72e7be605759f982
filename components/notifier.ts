import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { topicPolicy } from "../policies/resource-policies";
import { emailProblems } from "./config-rules";

export interface NotifierArgs {
  /** Each gets an email subscription (confirmed by a link AWS sends). @default [] */
  readonly notificationEmails?: readonly string[];
  /** The only roles allowed to publish: the state machine's and Summarize's. */
  readonly publisherRoleArns: readonly pulumi.Input<string>[];
  /** @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

/** The SNS topic that hears about failed accounts and failed runs. */
export class Notifier extends pulumi.ComponentResource {
  readonly topicArn: pulumi.Output<string>;

  constructor(name: string, args: NotifierArgs, opts?: pulumi.ComponentResourceOptions) {
    super("credreport:index:Notifier", name, {}, opts);
    const emails = args.notificationEmails ?? [];
    const problems = emailProblems("notificationEmails", emails);
    if (problems.length > 0) throw new pulumi.ResourceError(`Notifier: ${problems.join("; ")}`, this);
    const topic = new aws.sns.Topic(
      `${name}-topic`,
      // The AWS managed key suffices: only IAM roles of this account publish, never a service principal.
      { kmsMasterKeyId: "alias/aws/sns", tags: args.tags ?? {} },
      { parent: this },
    );
    new aws.sns.TopicPolicy(
      `${name}-topic-policy`,
      {
        arn: topic.arn,
        policy: pulumi
          .all([topic.arn, ...args.publisherRoleArns])
          .apply(([topicArn, ...publisherRoleArns]) => JSON.stringify(topicPolicy({ topicArn, publisherRoleArns }))),
      },
      { parent: this },
    );
    for (const email of emails) {
      new aws.sns.TopicSubscription(
        `${name}-email-${email.toLowerCase()}`,
        { topic: topic.arn, protocol: "email", endpoint: email },
        { parent: this },
      );
    }
    this.topicArn = topic.arn;
    this.registerOutputs({ topicArn: this.topicArn });
  }
}
