import type { RecordedResource } from "./mock-cloud";

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/**
 * A URN as the engine writes it. Pulumi's mocks put the root stack's type before its children's
 * types; the engine does not (nor for the aliases it resolves), so URNs are compared its way.
 */
export function engineUrn(urn: string): string {
  return urn.replace(`::${ROOT_STACK_TYPE}$`, "::");
}

/** The type a URN names: the last of its parent$child types. */
function typeOf(urn: string): string {
  return urn.split("::")[2].split("$").at(-1)!;
}

/** A URN as the engine makes it: the parent's type (none under the root stack), the type, the name. */
function urnFor(stackAndProject: string, parentUrn: string | undefined, type: string, name: string): string {
  const parentType = parentUrn ? typeOf(parentUrn) : undefined;
  const qualified = parentType && parentType !== ROOT_STACK_TYPE ? `${parentType}$${type}` : type;
  return `${stackAndProject}::${qualified}::${name}`;
}

/**
 * Every URN under which the engine would find a resource's earlier state: its own, each alias's,
 * and those its parent's aliases lend it (the engine carries a parent's aliases to its children).
 */
export function knownUrns(resource: RecordedResource, all: readonly RecordedResource[]): Set<string> {
  if (!resource.urn) throw new Error(`${resource.type} ${resource.name} has no URN`);
  const stackAndProject = resource.urn.split("::").slice(0, 2).join("::");
  const parent = all.find((r) => r.urn === resource.parent);
  const parentUrns = parent ? [...knownUrns(parent, all)] : [resource.parent || undefined];
  const urns = new Set(parentUrns.map((p) => urnFor(stackAndProject, p, resource.type, resource.name)));
  for (const alias of resource.aliases ?? []) {
    if ("urn" in alias) {
      urns.add(alias.urn);
      continue;
    }
    const aliasParents = alias.noParent ? [undefined] : alias.parentUrn ? [alias.parentUrn] : parentUrns;
    for (const p of aliasParents) urns.add(urnFor(stackAndProject, p, alias.type || resource.type, alias.name || resource.name));
  }
  return urns;
}
