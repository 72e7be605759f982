/** Reads a Lambda setting that the deployment must provide; names the variable when it is missing. */
export function requiredEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`environment variable ${name} is required and is not set`);
  return value;
}

/** A comma-separated list, empty when unset. */
export function listEnv(env: NodeJS.ProcessEnv, name: string): string[] {
  return (env[name] ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}
