import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type AcceptedRisk, acceptedRisksOf } from "../analysis/accepted-risks";

/**
 * The accepted risks packaged with a function (the file an environment variable names, in the
 * function's folder): JSON made at deploy time from the stack's file, which `pulumi preview`
 * checked, so the function needs no YAML parser. None when the variable is unset.
 */
export function packagedAcceptedRisks(file: string | undefined): AcceptedRisk[] {
  if (!file) return [];
  // Checked again as it is read, so a damaged package names its problem rather than misjudging findings.
  return acceptedRisksOf(JSON.parse(readFileSync(join(process.env.LAMBDA_TASK_ROOT ?? ".", file), "utf8")), file);
}
