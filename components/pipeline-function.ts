import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bundleFunction, FUNCTION_SIZES, type FunctionName, LAMBDA_RUNTIME } from "../functions/pipeline/bundle";

/** A role made by PipelineRoles. */
export interface RoleRef {
  readonly name: pulumi.Input<string>;
  readonly arn: pulumi.Input<string>;
}

export interface PipelineFunctionArgs {
  /** The name of the component that makes it; its resources are named after it. */
  readonly owner: string;
  readonly functionName: FunctionName;
  readonly role: RoleRef;
  /** The function's policy, given its own log group's ARN. */
  readonly policy: (logGroupArn: string) => pulumi.Input<string>;
  readonly variables: Record<string, pulumi.Input<string>>;
  /** Files packaged beside the bundle, by name. @default none */
  readonly files?: Readonly<Record<string, string>>;
  readonly logRetentionDays: number;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * One of the pipeline's Lambdas: its log group, its role's policy (which may write to that log group
 * only) and the function, bundled from `functions/<name>/handler.ts`. The resources are the parent's
 * children, under the names they have always had.
 */
export function pipelineFunction(parent: pulumi.Resource, args: PipelineFunctionArgs): aws.lambda.Function {
  const name = `${args.owner}-${args.functionName}`;
  const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { namePrefix: `/aws/lambda/${name}-`, retentionInDays: args.logRetentionDays, tags: args.tags }, { parent });
  const rolePolicy = new aws.iam.RolePolicy(`${name}-policy`, { role: args.role.name, policy: logGroup.arn.apply((arn) => pulumi.output(args.policy(arn))) }, { parent });
  return new aws.lambda.Function(
    name,
    {
      description: `Organization credential reports: ${args.functionName}`,
      runtime: LAMBDA_RUNTIME,
      architectures: ["arm64"],
      handler: "index.handler",
      // Bundled from source at deploy time: the same sources give the same bytes, hence no diff.
      code: new pulumi.asset.AssetArchive({
        "index.js": new pulumi.asset.StringAsset(bundleFunction(args.functionName)),
        ...Object.fromEntries(Object.entries(args.files ?? {}).map(([file, text]) => [file, new pulumi.asset.StringAsset(text)])),
      }),
      role: args.role.arn,
      ...FUNCTION_SIZES[args.functionName],
      environment: { variables: args.variables },
      loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
      tags: args.tags,
    },
    // Without its policy the first invocation could not even log.
    { parent, dependsOn: [rolePolicy] },
  );
}
