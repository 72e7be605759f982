import { CHECKS, type CheckId } from "../../functions/analysis/findings";
import { REMEDIATION } from "../../functions/analysis/fixes/fix-guidance";

/** docs/findings.md's remediation table rows, as REMEDIATION says them (placeholders as written). */
export function remediationRows(): string[] {
  const cell = (text: string) => text.replaceAll("|", "\\|");
  return (Object.keys(CHECKS) as CheckId[]).map((check) => {
    const r = REMEDIATION[check];
    return `| \`${check}\` | ${cell(r.means)} | \`${cell(r.cli)}\` | [${new URL(r.url).pathname.split("/").pop()}${new URL(r.url).hash}](${r.url}) |`;
  });
}
