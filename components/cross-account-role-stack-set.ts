import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { memberRolePolicy, memberRoleTemplate, memberRoleTrust, REMEDIATION_PARAMETER } from "../policies/member-role-template";
import { keyRemediationStatements, type RemediationMode } from "../policies/pipeline-policies";
import { policyDocument } from "../policies/document";

/** SELF from the management account, DELEGATED_ADMIN from a StackSets delegated administrator account. */
export type StackSetCallAs = "SELF" | "DELEGATED_ADMIN";

export interface CrossAccountRoleStackSetArgs {
  /** The role created in every member account. */
  readonly memberRoleName: string;
  /** The principal the member role trusts to read the report. */
  readonly collectorRoleArn: pulumi.Input<string>;
  /**
   * With Security Hub on: Summarize's role, also trusted, to import each account's own findings
   * in `region` (BatchImportFindings takes only the calling account's findings). @default none
   */
  readonly securityHubImporterRoleArn?: pulumi.Input<string>;
  /** OUs (or the root) whose accounts get the role, child OUs included. */
  readonly targetOuIds: pulumi.Input<pulumi.Input<string>[]>;
  /** The one region the stacks are created in: IAM is global, so one is enough. */
  readonly region: pulumi.Input<string>;
  /** DELEGATED_ADMIN when deploying from a StackSets delegated administrator account. @default "SELF" */
  readonly callAs?: StackSetCallAs;
  /** @default 10 */
  readonly failureTolerancePercentage?: number;
  /** @default 25 */
  readonly maxConcurrentPercentage?: number;
  /**
   * A provider for the management account, when deploying from a delegated administrator:
   * service-managed StackSets never deploy there, so the role is made through it directly.
   */
  readonly managementAccountProvider?: pulumi.ProviderResource;
  /** @default {} */
  readonly tags?: Readonly<Record<string, string>>;
  /** What the member role may do about unused access keys (the template's Remediation parameter). @default "off" */
  readonly remediation?: RemediationMode;
}

/**
 * The member role in every account of the target OUs, through a service-managed StackSet:
 * accounts that join later get it automatically, accounts that leave lose it.
 */
export class CrossAccountRoleStackSet extends pulumi.ComponentResource {
  readonly stackSetName: pulumi.Output<string>;

  constructor(name: string, args: CrossAccountRoleStackSetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("credreport:index:CrossAccountRoleStackSet", name, {}, opts);
    const callAs = args.callAs ?? "SELF";
    // Each resource has its own preferences type: only the instances' knows concurrencyMode, and
    // the provider rejects a field its type does not have.
    const stackSetPreferences: aws.types.input.cloudformation.StackSetOperationPreferences = {
      failureTolerancePercentage: args.failureTolerancePercentage ?? 10,
      maxConcurrentPercentage: args.maxConcurrentPercentage ?? 25,
    };
    const instancePreferences: aws.types.input.cloudformation.StackSetInstanceOperationPreferences = {
      ...stackSetPreferences,
      // A few failed accounts (say, a role of that name already there) do not slow the rest down.
      concurrencyMode: "SOFT_FAILURE_TOLERANCE",
    };
    const stackSet = new aws.cloudformation.StackSet(
      `${name}-stack-set`,
      {
        description: `Creates the ${args.memberRoleName} role for organization-wide IAM credential reports`,
        permissionModel: "SERVICE_MANAGED",
        autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
        capabilities: ["CAPABILITY_NAMED_IAM"],
        callAs,
        managedExecution: { active: true },
        operationPreferences: stackSetPreferences,
        // The remediation rights are the template's, each under its condition: a change of mode updates the stacks, not the template.
        parameters: { [REMEDIATION_PARAMETER]: args.remediation ?? "off" },
        templateBody: pulumi
          .all([args.collectorRoleArn, args.securityHubImporterRoleArn, args.region])
          .apply(([collectorRoleArn, securityHubImporterRoleArn, region]) =>
            memberRoleTemplate(args.memberRoleName, { collectorRoleArn, securityHubImporterRoleArn, securityHubRegion: region }),
          ),
        tags: args.tags ?? {},
      },
      // AWS fills in the administration role of a service-managed StackSet; it is not ours to diff.
      { parent: this, ignoreChanges: ["administrationRoleArn"] },
    );
    new aws.cloudformation.StackSetInstance(
      `${name}-instances`,
      {
        stackSetName: stackSet.name,
        callAs,
        deploymentTargets: { organizationalUnitIds: args.targetOuIds },
        stackSetInstanceRegion: args.region,
        operationPreferences: instancePreferences,
      },
      { parent: this },
    );
    if (args.managementAccountProvider) {
      const provider = args.managementAccountProvider;
      // The same role as the template's: same name, trust and permissions.
      const role = new aws.iam.Role(
        `${name}-management-account`,
        {
          name: args.memberRoleName,
          description: "Assumed by the credential report collector; generates and reads the IAM credential report only.",
          assumeRolePolicy: pulumi
            .all([args.collectorRoleArn, args.securityHubImporterRoleArn])
            .apply(([collectorRoleArn, securityHubImporterRoleArn]) => JSON.stringify(memberRoleTrust({ collectorRoleArn, securityHubImporterRoleArn }))),
          tags: args.tags ?? {},
        },
        { parent: this, provider },
      );
      new aws.iam.RolePolicy(
        `${name}-management-account-policy`,
        {
          role: role.name,
          name: "credential-report",
          policy: args.securityHubImporterRoleArn
            ? pulumi
                .all([aws.getPartitionOutput({}, { parent: this, provider }).partition, aws.getCallerIdentityOutput({}, { parent: this, provider }).accountId, args.region])
                .apply(([partition, accountId, region]) => JSON.stringify(memberRolePolicy({ partition, region, accountId })))
            : JSON.stringify(memberRolePolicy()),
        },
        { parent: this, provider },
      );
      if ((args.remediation ?? "off") !== "off") {
        new aws.iam.RolePolicy(
          `${name}-management-account-remediation`,
          {
            role: role.name,
            name: "key-remediation",
            policy: pulumi
              .all([aws.getPartitionOutput({}, { parent: this, provider }).partition, aws.getCallerIdentityOutput({}, { parent: this, provider }).accountId])
              .apply(([partition, accountId]) => JSON.stringify(policyDocument(...keyRemediationStatements(args.remediation!, { partition, accountId })))),
          },
          { parent: this, provider },
        );
      }
    }
    this.stackSetName = stackSet.name;
    this.registerOutputs({ stackSetName: this.stackSetName });
  }
}
