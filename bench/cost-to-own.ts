/**
 * AWS list prices, us-east-1, read on 2026-12-07, each with the page that gives it. Free tiers are
 * left out except where a line would otherwise read as a charge it never is.
 */
export const PRICES = {
  /** aws.amazon.com/step-functions/pricing: Standard workflows. */
  perStateTransition: 0.025 / 1000,
  /** aws.amazon.com/lambda/pricing: requests; Arm duration, first 7.5 billion GB-s a month. */
  perLambdaRequest: 0.2 / 1_000_000,
  perLambdaArmGbSecond: 0.0000133334,
  /** aws.amazon.com/s3/pricing: S3 Standard requests and storage (first 50 TB). */
  perS3PutOrList: 0.005 / 1000,
  perS3GetOrOther: 0.0004 / 1000,
  perS3GbMonth: 0.023,
  /** aws.amazon.com/kms/pricing: "Each AWS KMS key that you create in KMS costs $1/month". */
  perKmsKeyMonth: 1,
  /** aws.amazon.com/cloudwatch/pricing: a standard-resolution alarm; Logs ingestion (Standard) and storage. */
  perAlarmMonth: 0.1,
  perLogGbIngested: 0.5,
  perLogGbMonth: 0.03,
  /** aws.amazon.com/eventbridge/pricing: custom events (the run's event); AWS services' events are free. */
  perCustomEvent: 1 / 1_000_000,
  /** aws.amazon.com/security-hub/pricing: finding ingestion events past the first 10,000 per account, Region and month. */
  perFindingIngested: 0.00003,
} as const;

export const PRICE_PAGES: Readonly<Record<string, string>> = {
  "Step Functions": "https://aws.amazon.com/step-functions/pricing/",
  Lambda: "https://aws.amazon.com/lambda/pricing/",
  S3: "https://aws.amazon.com/s3/pricing/",
  KMS: "https://aws.amazon.com/kms/pricing/",
  CloudWatch: "https://aws.amazon.com/cloudwatch/pricing/",
  EventBridge: "https://aws.amazon.com/eventbridge/pricing/",
  "Security Hub": "https://aws.amazon.com/security-hub/pricing/",
};

/** What one run of N accounts used, measured by the benchmark. */
export interface RunUse {
  readonly accounts: number;
  readonly transitions: number;
  readonly lambdaRequests: number;
  readonly lambdaGbSeconds: number;
  readonly s3PutOrList: number;
  readonly s3GetOrOther: number;
  /** Bytes the run stored in the report bucket (its folder and its history files). */
  readonly storedBytes: number;
  /** Bytes of the lines the Lambdas log for the run. */
  readonly logBytes: number;
}

/** One line of the cost to own: what it is, and its dollars. */
export interface CostLine {
  readonly item: string;
  readonly dollars: number;
}

const GB = 1024 ** 3;

/**
 * The cost of a month of daily runs at `accounts`, from one measured run scaled linearly (every
 * per-run count of the pipeline is linear in the accounts: docs/benchmarks.md). Storage is what a
 * month of runs adds; kept forever, each month adds as much again to the bill. Security Hub's line
 * is for findings past its free 10,000 per account and month, which a daily run of a few findings
 * per account never reaches.
 */
export function monthlyCost(run: RunUse, accounts: number, options: { readonly runsPerMonth: number; readonly kmsKeys: number; readonly alarms: number; readonly logRetentionMonths: number }): CostLine[] {
  const runs = options.runsPerMonth * (accounts / run.accounts);
  const storedGb = (run.storedBytes * runs) / GB;
  const logGb = (run.logBytes * runs) / GB;
  return [
    { item: "Step Functions: state transitions", dollars: run.transitions * runs * PRICES.perStateTransition },
    { item: "Lambda: requests and GB-seconds", dollars: (run.lambdaRequests * PRICES.perLambdaRequest + run.lambdaGbSeconds * PRICES.perLambdaArmGbSecond) * runs },
    { item: "S3: requests", dollars: (run.s3PutOrList * PRICES.perS3PutOrList + run.s3GetOrOther * PRICES.perS3GetOrOther) * runs },
    { item: `S3: storage the month's runs add (${storedGb.toFixed(3)} GB, each month kept)`, dollars: storedGb * PRICES.perS3GbMonth },
    { item: `CloudWatch Logs: ${logGb.toFixed(3)} GB ingested, kept ${options.logRetentionMonths} months`, dollars: logGb * (PRICES.perLogGbIngested + PRICES.perLogGbMonth * options.logRetentionMonths) },
    { item: `KMS: ${options.kmsKeys} key(s)`, dollars: options.kmsKeys * PRICES.perKmsKeyMonth },
    { item: `CloudWatch: ${options.alarms} alarms`, dollars: options.alarms * PRICES.perAlarmMonth },
    { item: "EventBridge: the run's event", dollars: options.runsPerMonth * PRICES.perCustomEvent },
  ];
}
