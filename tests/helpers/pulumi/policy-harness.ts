import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import type { MockCloud } from "./mock-cloud";

/** One violation a policy reported, on the resource it named. */
export interface Violation {
  readonly policy: string;
  readonly resource: string;
  readonly message: string;
}

type Policy = ResourceValidationPolicy | StackValidationPolicy;

const NO_OPTIONS = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

const typeCheck = (type: string) => ({
  isType: (cls: unknown) => (cls as { __pulumiType?: string }).__pulumiType === type,
  asType: (cls: unknown) => ((cls as { __pulumiType?: string }).__pulumiType === type ? ({} as never) : undefined),
});

/** The program's resources as the engine hands them to a policy pack: inputs, URNs and where inputs came from. */
export function policyResources(cloud: MockCloud): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  for (const r of cloud.resources) {
    if (!r.urn) throw new Error(`${r.type} ${r.name} was never registered`);
    byUrn.set(r.urn, { type: r.type, name: r.name, urn: r.urn, props: r.inputs, opts: NO_OPTIONS, dependencies: [], propertyDependencies: {}, ...typeCheck(r.type) });
  }
  for (const r of cloud.resources) {
    const resource = byUrn.get(r.urn!)!;
    for (const [input, urns] of Object.entries(r.propertyDependencies ?? {})) {
      resource.propertyDependencies[input] = urns.flatMap((urn) => byUrn.get(urn) ?? []);
    }
    resource.dependencies = [...new Set(Object.values(resource.propertyDependencies).flat())];
  }
  return [...byUrn.values()];
}

/** A copy of a resource with some inputs replaced (undefined removes one): a deliberately broken resource. */
export function withProps(resource: PolicyResource, changes: Record<string, unknown>): PolicyResource {
  const props = { ...resource.props, ...changes };
  for (const [key, value] of Object.entries(changes)) if (value === undefined) delete props[key];
  return { ...resource, props };
}

/** Replaces the resources matching `pick` with `change(resource)`. */
export function replacing(resources: readonly PolicyResource[], pick: (r: PolicyResource) => boolean, change: (r: PolicyResource) => PolicyResource): PolicyResource[] {
  const found = resources.filter(pick);
  if (found.length === 0) throw new Error("nothing to break: no resource matched");
  return resources.map((r) => (pick(r) ? change(r) : r));
}

/** Runs the policies as the engine does (resource policies on each resource, stack policies once) and collects what they report. */
export async function violations(policies: readonly Policy[], resources: readonly PolicyResource[]): Promise<Violation[]> {
  const found: Violation[] = [];
  const stackTags = new Map<string, string>();
  const common = { stackTags, getConfig: <T>() => ({}) as T, notApplicable: (reason?: string): never => { throw new Error(`not applicable: ${reason}`); } };
  for (const policy of policies) {
    if ("validateResource" in policy && policy.validateResource) {
      const validate = [policy.validateResource].flat();
      for (const resource of resources) {
        const report = (message: string) => found.push({ policy: policy.name, resource: resource.name, message });
        const { type, props, urn, name, opts, isType } = resource;
        for (const check of validate) await check({ type, props, urn, name, opts, isType, asType: () => undefined, ...common }, report);
      }
    }
    if ("validateStack" in policy && policy.validateStack) {
      const byUrn = new Map(resources.map((r) => [r.urn, r.name]));
      await policy.validateStack({ resources: [...resources], ...common }, (message, urn) =>
        found.push({ policy: policy.name, resource: (urn && byUrn.get(urn)) ?? "stack", message }),
      );
    }
  }
  return found;
}
