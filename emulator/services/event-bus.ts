import { type EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Authorizer } from "../authorizer/authorizer";
import type { DeployedRule } from "../deployed-stack";
import type { BusEvent } from "./step-functions";

/** moto, called as its administrator: what an AWS service does behind the API. */
export interface MotoClients {
  readonly events: EventBridgeClient;
  readonly sqs: SQSClient;
}

/**
 * The default event bus with the stack's rules, delivering to SNS as EventBridge does. moto
 * matches each event against a rule's pattern and applies the target's input transformer, but
 * delivers only to SQS, logs and buses: each rule is made in moto with the stack's pattern and
 * transformer and a queue in place of its topic, and what reaches the queue is published to the
 * topic as events.amazonaws.com, under the topic's policy and its key's (the authorizing layer).
 */
export class EventBus {
  private constructor(
    private readonly moto: MotoClients,
    private readonly authorizer: Authorizer,
    private readonly rules: readonly { readonly rule: DeployedRule; readonly taps: readonly { readonly url: string; readonly targetArn: string }[] }[],
  ) {}

  static async deploy(moto: MotoClients, authorizer: Authorizer, rules: readonly DeployedRule[]): Promise<EventBus> {
    const deployed = [];
    for (const rule of rules) {
      // moto checks the pattern's syntax here, as PutRule does.
      await moto.events.send(new PutRuleCommand({ Name: rule.name, EventPattern: rule.eventPattern }));
      const taps = [];
      for (const [i, target] of rule.targets.entries()) {
        const { QueueUrl } = await moto.sqs.send(new CreateQueueCommand({ QueueName: `eventbridge-tap-${rule.name}-${i}` }));
        const { Attributes } = await moto.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
        const transformer = target.inputTransformer ? { InputTransformer: { InputPathsMap: target.inputTransformer.inputPaths, InputTemplate: target.inputTransformer.inputTemplate } } : {};
        await moto.events.send(new PutTargetsCommand({ Rule: rule.name, Targets: [{ Id: `target-${i}`, Arn: Attributes!.QueueArn!, ...transformer }] }));
        taps.push({ url: QueueUrl!, targetArn: target.arn });
      }
      deployed.push({ rule, taps });
    }
    return new EventBus(moto, authorizer, deployed);
  }

  /** Sends an AWS service's event to the bus; resolves once every rule it matched has delivered to its topics. */
  async put(event: BusEvent): Promise<void> {
    const { FailedEntryCount } = await this.moto.events.send(
      new PutEventsCommand({
        Entries: [{ Source: event.source, DetailType: event["detail-type"], Detail: JSON.stringify(event.detail), Resources: [...event.resources], Time: new Date(event.time) }],
      }),
    );
    if (FailedEntryCount) throw new Error(`the bus refused ${event["detail-type"]}`);
    for (const { rule, taps } of this.rules) {
      for (const tap of taps) {
        for (;;) {
          const { Messages = [] } = await this.moto.sqs.send(new ReceiveMessageCommand({ QueueUrl: tap.url, MaxNumberOfMessages: 10 }));
          if (Messages.length === 0) break;
          for (const message of Messages) {
            if (!tap.targetArn.includes(":sns:")) throw new Error(`the emulator's event bus delivers to SNS topics only, not ${tap.targetArn}`);
            await this.authorizer.publishAsService("events.amazonaws.com", { arn: rule.arn, account: event.account }, tap.targetArn, message.Body ?? "");
            await this.moto.sqs.send(new DeleteMessageCommand({ QueueUrl: tap.url, ReceiptHandle: message.ReceiptHandle }));
          }
        }
      }
    }
  }
}
