import { type CloudWatchClient, GetMetricStatisticsCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Authorizer } from "../authorizer/authorizer";
import type { DeployedAlarm } from "../deployed-stack";

type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";

/** An alarm that changed state at an evaluation. */
export interface AlarmChange {
  readonly alarm: string;
  readonly from: AlarmState;
  readonly to: AlarmState;
}

/**
 * CloudWatch's alarms on the stack's metrics (moto stores alarms and metrics but evaluates
 * nothing). An evaluation first has SQS report its queues' ApproximateNumberOfMessagesVisible, as
 * SQS does every few minutes; then each alarm looks at its last EvaluationPeriods periods, one
 * GetMetricStatistics each, with a period that has no data breaching or not as TreatMissingData
 * says, and goes to ALARM when DatapointsToAlarm of them breach. A change of state is published
 * to the alarm's actions as cloudwatch.amazonaws.com, under the topic's policy and its key's.
 */
export class CloudWatchAlarms {
  private readonly states = new Map<string, AlarmState>();

  constructor(
    private readonly moto: { readonly cloudWatch: CloudWatchClient; readonly sqs: SQSClient },
    private readonly authorizer: Authorizer,
    private readonly alarms: readonly DeployedAlarm[],
    private readonly queues: readonly string[],
  ) {}

  /** The alarm's state since the last evaluation. */
  stateOf(alarm: string): AlarmState {
    return this.states.get(alarm) ?? "INSUFFICIENT_DATA";
  }

  async evaluate(now = new Date()): Promise<AlarmChange[]> {
    await this.reportQueueMetrics(now);
    const changes: AlarmChange[] = [];
    for (const alarm of this.alarms) {
      const from = this.stateOf(alarm.name);
      const breaching = await this.breachingPeriods(alarm, now);
      const to: AlarmState = breaching >= (alarm.datapointsToAlarm ?? alarm.evaluationPeriods) ? "ALARM" : "OK";
      this.states.set(alarm.name, to);
      if (to === from) continue;
      changes.push({ alarm: alarm.name, from, to });
      const actions = to === "ALARM" ? alarm.alarmActions : (alarm.okActions ?? []);
      for (const topic of actions) {
        await this.authorizer.publishAsService("cloudwatch.amazonaws.com", { arn: alarm.arn, account: alarm.arn.split(":")[4] }, topic, JSON.stringify(notice(alarm, from, to, breaching, now)), `${to}: "${alarm.name}" in ${alarm.arn.split(":")[3]}`);
      }
    }
    return changes;
  }

  private async breachingPeriods(alarm: DeployedAlarm, now: Date): Promise<number> {
    let breaching = 0;
    // Up to `now` itself: moto drops the fraction of a second of EndTime, which it reads as exclusive.
    const last = now.getTime() + 1000;
    for (let i = 0; i < alarm.evaluationPeriods; i++) {
      const end = new Date(last - i * alarm.period * 1000);
      const start = new Date(end.getTime() - alarm.period * 1000);
      const { Datapoints = [] } = await this.moto.cloudWatch.send(
        new GetMetricStatisticsCommand({
          Namespace: alarm.namespace,
          MetricName: alarm.metricName,
          Dimensions: Object.entries(alarm.dimensions).map(([Name, Value]) => ({ Name, Value })),
          StartTime: start,
          EndTime: end,
          Period: alarm.period,
          Statistics: [alarm.statistic],
        }),
      );
      const value = Datapoints[0]?.[alarm.statistic];
      if (value === undefined) breaching += alarm.treatMissingData === "breaching" ? 1 : 0;
      else breaching += (alarm.comparisonOperator === "GreaterThanThreshold" ? value > alarm.threshold : value < alarm.threshold) ? 1 : 0;
    }
    return breaching;
  }

  /** Each queue's depth now, as SQS reports it. */
  private async reportQueueMetrics(now: Date): Promise<void> {
    for (const queue of this.queues) {
      const { QueueUrl } = await this.moto.sqs.send(new GetQueueUrlCommand({ QueueName: queue }));
      const { Attributes } = await this.moto.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }));
      await this.moto.cloudWatch.send(
        new PutMetricDataCommand({
          Namespace: "AWS/SQS",
          MetricData: [
            { MetricName: "ApproximateNumberOfMessagesVisible", Dimensions: [{ Name: "QueueName", Value: queue }], Value: Number(Attributes?.ApproximateNumberOfMessages ?? 0), Timestamp: now },
          ],
        }),
      );
    }
  }
}

/** The JSON CloudWatch publishes when an alarm changes state (the fields an operator and a chat integration read). */
function notice(alarm: DeployedAlarm, from: AlarmState, to: AlarmState, breaching: number, now: Date): Record<string, unknown> {
  const [, , , region, account] = alarm.arn.split(":");
  return {
    AlarmName: alarm.name,
    AlarmDescription: alarm.alarmDescription,
    AWSAccountId: account,
    NewStateValue: to,
    NewStateReason: `Threshold Crossed: ${breaching} out of the last ${alarm.evaluationPeriods} datapoints were ${alarm.comparisonOperator === "GreaterThanThreshold" ? "greater" : "less"} than the threshold (${alarm.threshold}).`,
    StateChangeTime: now.toISOString(),
    Region: region,
    AlarmArn: alarm.arn,
    OldStateValue: from,
    Trigger: {
      MetricName: alarm.metricName,
      Namespace: alarm.namespace,
      Statistic: alarm.statistic.toUpperCase(),
      Dimensions: Object.entries(alarm.dimensions).map(([name, value]) => ({ name, value })),
      Period: alarm.period,
      EvaluationPeriods: alarm.evaluationPeriods,
      ComparisonOperator: alarm.comparisonOperator,
      Threshold: alarm.threshold,
      TreatMissingData: alarm.treatMissingData,
    },
  };
}
