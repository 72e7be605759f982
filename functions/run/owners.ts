/**
 * Who owns each account, from what organizations already keep: an owners file (account ids and OU
 * paths to addresses), a tag on the account in AWS Organizations, or the account's alternate
 * contact of type SECURITY. The stack names the sources in the order they are asked; the first
 * that names anyone for an account decides its owners. Pure.
 */

export type OwnerSource = "file" | "tag" | "contact";
export const OWNER_SOURCES: readonly OwnerSource[] = ["file", "tag", "contact"];

/** One rule of the owners file: an account (by id) or every account under an OU (by its path of names), and who owns it. */
export interface OwnerRule {
  readonly account?: string;
  /** The OU's path of names from the root, e.g. "Workloads/Payments" (the root itself is ""). */
  readonly ou?: string;
  readonly to: readonly string[];
  /** Hear about every run, not only runs with something new for them. @default false */
  readonly digest?: boolean;
}

export interface OwnerSettings {
  /** The sources asked, in order; none, no account has owners and no owner is sent anything. */
  readonly sources: readonly OwnerSource[];
  /** The Organizations tag whose value names the account's owners (source "tag"). */
  readonly tagKey?: string;
  /** The owners file's rules (source "file"). */
  readonly rules: readonly OwnerRule[];
}

export const NO_OWNERS: OwnerSettings = { sources: [], rules: [] };

/** An account's owners as the run found them: the addresses, the source that named them, and whether they want every run. */
export interface AccountOwners {
  readonly to: readonly string[];
  readonly source: OwnerSource;
  readonly digest?: boolean;
}

export class InvalidOwners extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: ${problems.join("; ")}`);
    this.name = "InvalidOwners";
  }
}

const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;
const ACCOUNT_ID = /^\d{12}$/;

/** The rules of an owners file (`owners:` and a list of rules), checked; throws InvalidOwners naming every problem. */
export function ownerRulesOf(value: unknown, source: string): OwnerRule[] {
  const list = (value as { owners?: unknown } | null)?.owners;
  if (!Array.isArray(list)) throw new InvalidOwners(source, ['expected "owners:" and a list of rules, each {account or ou, to: [addresses], digest?}']);
  const problems: string[] = [];
  const rules = list.map((raw, i): OwnerRule => {
    const at = `owners[${i}]`;
    const rule = (raw ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(rule)) if (!["account", "ou", "to", "digest"].includes(key)) problems.push(`${at}.${key} is not a field of a rule (account, ou, to, digest)`);
    const account = rule.account === undefined ? undefined : String(rule.account);
    const ou = rule.ou === undefined ? undefined : String(rule.ou).replace(/^\/+|\/+$/g, "");
    if ((account === undefined) === (ou === undefined)) problems.push(`${at} must name one account or one ou, got ${JSON.stringify(rule)}`);
    if (account !== undefined && !ACCOUNT_ID.test(account)) problems.push(`${at}.account must be a 12-digit account id (quoted in YAML), got ${JSON.stringify(rule.account)}`);
    const to = Array.isArray(rule.to) ? rule.to.map(String) : [];
    if (to.length === 0) problems.push(`${at}.to must list at least one address, got ${JSON.stringify(rule.to)}`);
    for (const address of to) if (!EMAIL.test(address)) problems.push(`${at}.to holds ${JSON.stringify(address)}, which is not an email address`);
    if (rule.digest !== undefined && typeof rule.digest !== "boolean") problems.push(`${at}.digest must be true or false, got ${JSON.stringify(rule.digest)}`);
    return { ...(account !== undefined ? { account } : {}), ...(ou !== undefined ? { ou } : {}), to, ...(rule.digest === true ? { digest: true } : {}) };
  });
  if (problems.length > 0) throw new InvalidOwners(source, problems);
  return rules;
}

/** The owners file's answer for an account: its own rule, else the rule of the deepest OU it is under. */
export function ownersInFile(rules: readonly OwnerRule[], accountId: string, ouPath: string | undefined): Pick<AccountOwners, "to" | "digest"> | undefined {
  const own = rules.find((rule) => rule.account === accountId);
  const under = (ou: string) => ouPath !== undefined && (ou === "" || ouPath === ou || ouPath.startsWith(`${ou}/`));
  const byOu = rules.filter((rule) => rule.ou !== undefined && under(rule.ou)).sort((a, b) => b.ou!.length - a.ou!.length)[0];
  const rule = own ?? byOu;
  return rule && { to: rule.to, ...(rule.digest ? { digest: true } : {}) };
}

/** The addresses in a tag's value: separated by spaces, commas, semicolons or slashes (Organizations allows no comma-free list otherwise), each an email address. */
export function addressesIn(value: string | undefined): string[] {
  return [...new Set((value ?? "").split(/[\s,;/]+/).filter((part) => EMAIL.test(part)))];
}

/** The first source, in the stack's order, that names anyone for the account. */
export function firstOwners(sources: readonly OwnerSource[], found: Partial<Record<OwnerSource, Pick<AccountOwners, "to" | "digest">>>): AccountOwners | undefined {
  for (const source of sources) {
    const owners = found[source];
    if (owners && owners.to.length > 0) return { ...owners, source };
  }
  return undefined;
}
