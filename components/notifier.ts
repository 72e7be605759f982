import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { noticeKeyPolicy, topicPolicy } from "../policies/resource-policies";
import { emailProblems } from "./config/config-rules";

export interface NotifierArgs {
  /** Each gets an email subscription (confirmed by a link AWS sends): every message on the topic. @default [] */
  readonly notificationEmails?: readonly string[];
  /** The only roles allowed to publish: the state machine's and Summarize's. */
  readonly publisherRoleArns: readonly pulumi.Input<string>[];
  /** @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The SNS topic that hears about failed accounts and runs: from the pipeline's roles, and from
 * EventBridge and CloudWatch for runs that ended badly or never came (run-watch.ts).
 */
export class Notifier extends pulumi.ComponentResource {
  readonly topicArn: pulumi.Output<string>;

  constructor(name: string, args: NotifierArgs, opts?: pulumi.ComponentResourceOptions) {
    super("credreport:index:Notifier", name, {}, opts);
    const emails = args.notificationEmails ?? [];
    const problems = emailProblems("notificationEmails", emails);
    if (problems.length > 0) throw new pulumi.ResourceError(`Notifier: ${problems.join("; ")}`, this);
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const publishers = pulumi.all([...args.publisherRoleArns]);
    // A key of this account: EventBridge and CloudWatch cannot publish to a topic under SNS's AWS managed key.
    const key = new aws.kms.Key(
      `${name}-key`,
      {
        description: "Encrypts the notices of the IAM credential report pipeline",
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: pulumi
          .all([partition, accountId, region, publishers])
          .apply(([p, account, r, publisherRoleArns]) => JSON.stringify(noticeKeyPolicy({ partition: p, accountId: account, region: r, publisherRoleArns }))),
        tags: args.tags ?? {},
      },
      { parent: this },
    );
    const topic = new aws.sns.Topic(`${name}-topic`, { kmsMasterKeyId: key.arn, tags: args.tags ?? {} }, { parent: this });
    new aws.sns.TopicPolicy(
      `${name}-topic-policy`,
      {
        arn: topic.arn,
        policy: pulumi
          .all([partition, accountId, region, topic.arn, publishers])
          .apply(([p, account, r, topicArn, publisherRoleArns]) => JSON.stringify(topicPolicy({ partition: p, accountId: account, region: r, topicArn, publisherRoleArns }))),
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
