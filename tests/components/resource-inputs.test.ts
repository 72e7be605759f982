import { expect } from "chai";
import { type RecordedResource } from "../helpers/pulumi/mock-cloud";
import { runStack } from "../helpers/pulumi/program";
import { STACKS } from "../helpers/pulumi/stacks";
import { argsTypeOf, typeCheck, typedInputsSource } from "../helpers/pulumi/typed-inputs";

/** Inputs that the provider would reject, to show the check sees each kind of mistake. */
const PROBES: RecordedResource[] = [
  { type: "aws:cloudformation/stackSet:StackSet", name: "probe-excess", inputs: { operationPreferences: { concurrencyMode: "SOFT_FAILURE_TOLERANCE" } } },
  { type: "aws:iam/rolePolicy:RolePolicy", name: "probe-missing", inputs: { policy: "{}" } },
  { type: "aws:cloudwatch/logGroup:LogGroup", name: "probe-type", inputs: { retentionInDays: "90" } },
];

describe("resource inputs, checked against @pulumi/aws's own Args types", function () {
  this.timeout(120_000);
  const stackResources: RecordedResource[] = [];
  let problems: string[];
  let checked: number;

  before(async () => {
    for (const stack of Object.keys(STACKS)) {
      stackResources.push(...(await runStack(stack)).resources.map((r) => ({ ...r, name: `${r.name} (${stack})` })));
    }
    // One compile for all (loading @pulumi/aws's declarations is most of the time).
    const typed = typedInputsSource([...PROBES, ...stackResources]);
    checked = typed.checked - PROBES.length;
    problems = typeCheck(typed.source);
  });

  it("maps type tokens to the provider's Args types", () => {
    expect(argsTypeOf("aws:s3/bucket:Bucket")).to.equal("aws.s3.BucketArgs");
    expect(argsTypeOf("aws:cloudformation/stackSetInstance:StackSetInstance")).to.equal("aws.cloudformation.StackSetInstanceArgs");
    expect(argsTypeOf("pulumi:providers:aws")).to.equal("aws.ProviderArgs");
    expect(argsTypeOf("credreport:index:ReportBucket")).to.equal(undefined);
  });

  it("finds an input the provider does not have, a missing required one and a wrong type", () => {
    const probeProblems = problems.filter((p) => / probe-/.test(p));
    expect(probeProblems).to.have.length(3);
    expect(probeProblems[0]).to.match(/^aws:cloudformation\/stackSet:StackSet probe-excess: TS2353: .*'"concurrencyMode"' does not exist in type 'StackSetOperationPreferences/);
    expect(probeProblems[1]).to.match(/^aws:iam\/rolePolicy:RolePolicy probe-missing: TS2741: Property 'role' is missing/);
    expect(probeProblems[2]).to.match(/^aws:cloudwatch\/logGroup:LogGroup probe-type: TS2322: Type 'string' is not assignable/);
  });

  it("type-checks every aws resource of every stack", () => {
    expect(checked).to.be.greaterThan(30 * Object.keys(STACKS).length);
    expect(problems.filter((p) => !/ probe-/.test(p))).to.deep.equal([]);
  });

  it("gives no two resources of a stack the same type and name (one URN each)", () => {
    const urns = stackResources.map((r) => `${r.type}::${r.name}`);
    expect(urns.length).to.be.greaterThan(0);
    expect(urns.filter((urn, i) => urns.indexOf(urn) !== i)).to.deep.equal([]);
  });
});
