/**
 * What AWS documents a Glue table that Athena reads with partition projection must be, as checks:
 * the problems of one table's inputs (`aws.glue.CatalogTable`), or none.
 *
 * - Names (Athena "Names for tables, databases, and columns"): lowercase letters, digits and
 *   underscores, at most 255 characters; column names unique, none a partition key too.
 * - Types (Athena "Data types in Amazon Athena"): Hive types: boolean, tinyint, smallint, int,
 *   integer, bigint, double, float, decimal(p,s), char(n), varchar(n), string, binary, date,
 *   timestamp, array<T>, map<K,V>, struct<name:T,...>.
 * - Partition projection (Athena "Supported types for partition projection" and "Setting up
 *   partition projection"): `projection.enabled` "true"; every partition key has
 *   `projection.<key>.type` one of enum, integer, date, injected; a date key has `format` and a
 *   `range` of two comma-separated ends, each a date in that format or NOW with an optional
 *   `+`/`-` and a whole number of a unit; `interval.unit` is one of YEARS, MONTHS, WEEKS, DAYS,
 *   HOURS, MINUTES, SECONDS (and an interval is a whole number); an enum key has `values`; an
 *   integer key has `range`; `storage.location.template` is an s3:// URI that names every
 *   partition key as `${key}` and nothing else.
 */
export function glueTableProblems(table: {
  readonly name: string;
  readonly partitionKeys?: readonly { readonly name: string; readonly type: string }[];
  readonly parameters?: Readonly<Record<string, string>>;
  readonly storageDescriptor?: { readonly location?: string; readonly columns?: readonly { readonly name: string; readonly type: string }[] };
}): string[] {
  const problems: string[] = [];
  const NAME = /^[a-z0-9_]{1,255}$/;
  const keys = (table.partitionKeys ?? []).map((k) => k.name);
  const columns = table.storageDescriptor?.columns ?? [];
  if (!NAME.test(table.name)) problems.push(`table name ${JSON.stringify(table.name)}: lowercase letters, digits and _ only`);
  for (const c of [...columns, ...(table.partitionKeys ?? [])]) {
    if (!NAME.test(c.name)) problems.push(`column ${JSON.stringify(c.name)}: lowercase letters, digits and _ only`);
    if (!isHiveType(c.type)) problems.push(`column ${c.name}: ${JSON.stringify(c.type)} is not a Hive type`);
  }
  const names = columns.map((c) => c.name);
  for (const duplicate of names.filter((n, i) => names.indexOf(n) !== i)) problems.push(`column ${duplicate} twice`);
  for (const key of keys.filter((k) => names.includes(k))) problems.push(`partition key ${key} is also a column`);

  const p = table.parameters ?? {};
  if (p["projection.enabled"] !== "true") return problems;
  for (const key of keys) {
    const at = (name: string) => p[`projection.${key}.${name}`];
    const type = at("type");
    if (!["enum", "integer", "date", "injected"].includes(type ?? "")) problems.push(`projection.${key}.type ${JSON.stringify(type)}: enum, integer, date or injected`);
    if (type === "enum" && !at("values")) problems.push(`projection.${key}.values is required for an enum`);
    if (type === "integer" && !/^-?\d+,-?\d+$/.test(at("range") ?? "")) problems.push(`projection.${key}.range must be two whole numbers for an integer`);
    if (type === "date") {
      const format = at("format");
      if (!format) problems.push(`projection.${key}.format is required for a date`);
      const ends = (at("range") ?? "").split(",");
      if (ends.length !== 2 || !ends.every((end) => /^NOW([+-]\d+(YEARS?|MONTHS?|WEEKS?|DAYS?|HOURS?|MINUTES?|SECONDS?))?$/.test(end.trim()) || (format !== undefined && matchesFormat(end.trim(), format)))) {
        problems.push(`projection.${key}.range ${JSON.stringify(at("range"))}: two ends, each a date in ${format} or NOW[+-n unit]`);
      }
      const unit = at("interval.unit");
      if (unit !== undefined && !["YEARS", "MONTHS", "WEEKS", "DAYS", "HOURS", "MINUTES", "SECONDS"].includes(unit)) problems.push(`projection.${key}.interval.unit ${JSON.stringify(unit)}`);
      const interval = at("interval");
      if (interval !== undefined && !/^[1-9]\d*$/.test(interval)) problems.push(`projection.${key}.interval ${JSON.stringify(interval)}: a whole number`);
    }
  }
  for (const name of Object.keys(p).filter((n) => n.startsWith("projection.") && n !== "projection.enabled")) {
    if (!keys.includes(name.split(".")[1])) problems.push(`${name} names no partition key`);
  }
  const template = p["storage.location.template"];
  if (template !== undefined) {
    const named = [...template.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]);
    if (!template.startsWith("s3://")) problems.push(`storage.location.template ${JSON.stringify(template)}: an s3:// URI`);
    if (named.sort().join() !== [...keys].sort().join()) problems.push(`storage.location.template names ${named.join(", ")}; the partition keys are ${keys.join(", ")}`);
  }
  return problems;
}

/** A date as Java's DateTimeFormatter pattern would write it, for the patterns of digits and separators. */
function matchesFormat(value: string, format: string): boolean {
  const pattern = format.replace(/yyyy/g, "\\d{4}").replace(/MM|dd|HH|mm|ss/g, "\\d{2}");
  return new RegExp(`^${pattern}$`).test(value);
}

function isHiveType(type: string): boolean {
  const t = type.trim().toLowerCase();
  if (/^(boolean|tinyint|smallint|int|integer|bigint|double|float|string|binary|date|timestamp)$/.test(t)) return true;
  if (/^(decimal\(\d+,\s*\d+\)|char\(\d+\)|varchar\(\d+\))$/.test(t)) return true;
  const inner = /^(array|map|struct)<(.*)>$/.exec(t);
  if (!inner) return false;
  const parts = splitTopLevel(inner[2]);
  if (inner[1] === "array") return parts.length === 1 && isHiveType(parts[0]);
  if (inner[1] === "map") return parts.length === 2 && isHiveType(parts[0]) && isHiveType(parts[1]);
  return parts.length > 0 && parts.every((field) => /^[a-z0-9_]+:/.test(field) && isHiveType(field.slice(field.indexOf(":") + 1)));
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "<") depth++;
    else if (text[i] === ">") depth--;
    else if (text[i] === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}
