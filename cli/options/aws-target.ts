import { endpointFlag, problemsOf, regionFlag } from "./flag-checks";
import type { Option, Values } from "./option-table";

/** The flags that say where the AWS calls go: every command that calls AWS takes them. */
export const AWS_TARGET_OPTIONS = [
  {
    flag: "--endpoint",
    type: "string",
    value: "URL",
    help: "send every AWS call here, an http(s) URL (an emulator); unset: real AWS. Plain http only to this machine (127.0.0.1, localhost, [::1])",
  },
  { flag: "--insecure-endpoint", type: "boolean", help: "allow --endpoint to be plain http to another host" },
  { flag: "--region", type: "string", value: "REGION", help: "such as us-east-1 [AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1]" },
] as const satisfies readonly Option[];

type AwsTargetValues = Values<typeof AWS_TARGET_OPTIONS>;

/** Every problem with --region, and with --endpoint and --insecure-endpoint together. */
export function awsTargetProblems(values: AwsTargetValues): string[] {
  return problemsOf(
    values.region !== undefined ? regionFlag("--region", values.region) : undefined,
    values.endpoint !== undefined ? endpointFlag("--endpoint", values.endpoint, { flag: "--insecure-endpoint", given: values["insecure-endpoint"] ?? false }) : undefined,
  );
}

/** The --region flag, else the SDK's own environment variables, else us-east-1. */
export function regionOf(values: AwsTargetValues): string {
  return values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
}
