/** The oldest Node.js the tools run on (package.json's engines): the first 22 with require(esm) on by default. */
export const OLDEST_NODE = "22.12";

/** Why this Node.js cannot run the tools, or undefined when it can. npm only warns about engines. */
export function nodeVersionProblem(version: string): string | undefined {
  const [major, minor] = version.replace(/^v/, "").split(".").map(Number);
  const [oldestMajor, oldestMinor] = OLDEST_NODE.split(".").map(Number);
  if (major > oldestMajor || (major === oldestMajor && minor >= oldestMinor)) return undefined;
  return `Node.js ${OLDEST_NODE} or later is needed (24, the Lambdas' runtime, is best); this is ${version}.`;
}
