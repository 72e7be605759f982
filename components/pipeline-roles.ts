import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { serviceTrust } from "../policies/document";

export interface PipelineRolesArgs {
  /** Applied to every role. */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The pipeline's identities, each a role of its own with only its trust policy. They exist before
 * anything that names them (the bucket, key and topic policies, the member role's trust), which
 * in turn exist before the permissions that name those: CredentialReportStateMachine attaches
 * each role's least-privilege policy once the bucket, key and topic are known.
 */
export class PipelineRoles extends pulumi.ComponentResource {
  /** Runs CollectReport; the only principal the member roles trust. */
  readonly collector: aws.iam.Role;
  readonly listAccounts: aws.iam.Role;
  readonly summarize: aws.iam.Role;
  readonly stateMachine: aws.iam.Role;

  constructor(name: string, args: PipelineRolesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("credreport:index:PipelineRoles", name, {}, opts);
    const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const role = (purpose: string, description: string, trust: pulumi.Input<string>) =>
      new aws.iam.Role(`${name}-${purpose}`, { description, assumeRolePolicy: trust, tags: args.tags }, { parent: this });
    // Only Lambda acting for this account may take the roles (the confused-deputy guard).
    const lambdaTrust = accountId.apply((account) => JSON.stringify(serviceTrust("TrustLambdaOfThisAccount", "lambda.amazonaws.com", account)));

    this.collector = role("collect-report", "Collects credential reports: assumes the member role in each account", lambdaTrust);
    this.listAccounts = role("list-accounts", "Lists the organization's accounts for a credential report run", lambdaTrust);
    this.summarize = role("summarize", "Writes the credential report run manifest and summary", lambdaTrust);
    this.stateMachine = role(
      "state-machine",
      "Runs the credential report state machine",
      accountId.apply((account) => JSON.stringify(serviceTrust("TrustStepFunctionsOfThisAccount", "states.amazonaws.com", account))),
    );
    this.registerOutputs({
      collectorRoleArn: this.collector.arn,
      listAccountsRoleArn: this.listAccounts.arn,
      summarizeRoleArn: this.summarize.arn,
      stateMachineRoleArn: this.stateMachine.arn,
    });
  }
}
