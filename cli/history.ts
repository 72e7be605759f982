import { awsClients } from "../local/aws-clients";
import { EXIT_INCOMPLETE, UsageError } from "./exit-status";
import { AWS_TARGET_OPTIONS, awsTargetProblems, regionOf } from "./options/aws-target";
import { bucketFlag, problemsOf } from "./options/flag-checks";
import { type Command, parseOptions } from "./options/option-table";
import { formatTrend, newestTrend } from "./output/trend";
import { preflight } from "./preflight";

const OPTIONS = [
  { flag: "--bucket", type: "string", value: "NAME", help: "the report bucket (required)" },
  ...AWS_TARGET_OPTIONS,
  { flag: "--json", type: "boolean", help: 'print the trend as JSON ({"runs": [...]}) instead of a table' },
] as const;

/** The newest run's trend in a bucket, as its page draws it: a table, or JSON. */
export const historyCommand: Command = {
  name: "history",
  usage: "npm run cli -- history [options]",
  summary: "the last runs of a bucket: open findings, new, resolved",
  options: OPTIONS,
  run: history,
};

async function history(args: string[]): Promise<number> {
  const values = parseOptions(OPTIONS, args);
  const problems: string[] = [];
  if (!values.bucket) problems.push("--bucket is required");
  else problems.push(...problemsOf(bucketFlag("--bucket", values.bucket)));
  problems.push(...awsTargetProblems(values));
  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  const region = regionOf(values);
  const clients = awsClients({ region, endpoint: values.endpoint });
  const unusable = await preflight(clients, { bucket: values.bucket!, endpoint: values.endpoint, region });
  if (unusable.length > 0) throw new UsageError(unusable.join("\n"));
  const trend = await newestTrend(clients.s3, values.bucket!);
  if (!trend) {
    console.error(`s3://${values.bucket}/ holds no run with a history yet (runs of version 0.4.0 or later keep one).`);
    return EXIT_INCOMPLETE;
  }
  console.log(values.json ? JSON.stringify({ runs: trend }, null, 2) : formatTrend(trend));
  return 0;
}
