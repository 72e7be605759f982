/**
 * The day each Lambda runtime is deprecated (AWS stops patching it and, soon after, blocks creating
 * functions with it), from https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html as of
 * November 2026. AWS moves these dates now and then: keep the table in step with that page.
 */
export const RUNTIME_DEPRECATION: Readonly<Record<string, string>> = {
  "nodejs24.x": "2028-04-30",
  "nodejs22.x": "2027-04-30",
  "nodejs20.x": "2026-04-30",
  "nodejs18.x": "2025-09-01",
  "nodejs16.x": "2024-06-12",
  "nodejs14.x": "2023-12-04",
  "nodejs12.x": "2023-03-31",
  "python3.14": "2029-06-30",
  "python3.13": "2029-06-30",
  "python3.12": "2028-10-31",
  "python3.11": "2026-06-30",
  "python3.10": "2026-06-30",
  "python3.9": "2025-12-15",
  "python3.8": "2024-10-14",
  "python3.7": "2023-12-04",
  java25: "2029-06-30",
  java21: "2029-06-30",
  java17: "2026-06-30",
  java11: "2026-06-30",
  "java8.al2": "2026-06-30",
  java8: "2024-01-08",
  dotnet10: "2028-11-14",
  dotnet8: "2026-11-10",
  dotnet6: "2024-11-12",
  "ruby3.4": "2028-03-31",
  "ruby3.3": "2027-03-31",
  "ruby3.2": "2026-03-31",
  "provided.al2023": "2029-06-30",
  "provided.al2": "2026-06-30",
  provided: "2024-01-08",
  "go1.x": "2024-01-08",
};

/**
 * Why a runtime may not be deployed on the given day, or undefined when it may. A runtime missing
 * from the table is one AWS released after it was written, so it is let through.
 */
export function unsupportedRuntime(runtime: string, today: Date): string | undefined {
  const deprecated = RUNTIME_DEPRECATION[runtime];
  if (deprecated === undefined || today < new Date(`${deprecated}T00:00:00Z`)) return undefined;
  return `runtime ${runtime} is deprecated since ${deprecated}: move the function to a supported runtime (see https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html)`;
}
