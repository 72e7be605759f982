import { basename, join, resolve } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { RunRef } from "../functions/run/contracts";
import { ANALYSIS_FILES, analysisKey, manifestKey } from "../functions/run/report-keys";
import { readIfPresent } from "../functions/storage/read-if-present";
import { awsClients } from "../local/aws-clients";
import { EXIT_INCOMPLETE, UsageError } from "./exit-status";
import { AWS_TARGET_OPTIONS, awsTargetProblems, regionOf } from "./options/aws-target";
import { bucketFlag, outFolderFlag, problemsOf, runPrefixFlag, wholeNumberFlag } from "./options/flag-checks";
import { type Command, parseOptions } from "./options/option-table";
import { pathUnder, writePrivateFile } from "./output/private-files";
import { newestRun } from "./output/trend";
import { preflight } from "./preflight";

/**
 * "The maximum expiration time for presigned URLs is one week from the time of creation" (S3 User
 * Guide, "Sharing objects with presigned URLs"); a role session's URL ends with the session sooner.
 */
const MAX_PRESIGN_SECONDS = 604_800;

const OPTIONS = [
  { flag: "--bucket", type: "string", value: "NAME", help: "the report bucket (stack output bucketName; required)" },
  { flag: "--run", type: "string", value: "PREFIX", help: "a stored run, e.g. credential-reports/date=2026-11-25/run=<id>/ [the newest]" },
  { flag: "--out", type: "string", value: "DIR", help: "where the run's page and files go, under their keys [./out]" },
  {
    flag: "--presign",
    type: "string",
    value: "SECONDS",
    help: `print a link to the run's report.html, valid this many seconds (60-${MAX_PRESIGN_SECONDS}), instead of downloading: the page alone opens from it, its links to the other files do not`,
  },
  ...AWS_TARGET_OPTIONS,
] as const;

/** The keys of a run's own files: its page, what the page links to, and the manifest; never the accounts' reports. */
const runFileKeys = (run: RunRef): string[] => [...(Object.keys(ANALYSIS_FILES) as (keyof typeof ANALYSIS_FILES)[]).map((file) => analysisKey(run, file)), manifestKey(run)];

/** A deployed run's page and files, fetched for reading, or a link to its page. */
export const fetchCommand: Command = {
  name: "fetch",
  usage: "npm run cli -- fetch [options]",
  summary: "a stored run's page and files (the newest by default), or a link to its page",
  options: OPTIONS,
  notes: "Needs only the stack's readReportsPolicy: list and read under credential-reports/ (and decrypt through S3 with a key).",
  run: fetchRun,
};

async function fetchRun(args: string[]): Promise<number> {
  const values = parseOptions(OPTIONS, args);
  const problems: string[] = [];
  if (!values.bucket) problems.push("--bucket is required");
  else problems.push(...problemsOf(bucketFlag("--bucket", values.bucket)));
  const given = values.run !== undefined ? runPrefixFlag("--run", values.run) : undefined;
  if (given && "problem" in given) problems.push(given.problem);
  const presign = values.presign !== undefined ? wholeNumberFlag("--presign", values.presign, 0, 60, MAX_PRESIGN_SECONDS) : undefined;
  if (presign?.problem) problems.push(presign.problem);
  if (presign && values.out !== undefined) problems.push("--presign prints a link and downloads nothing: --out does not go with it");
  const outDir = resolve(values.out ?? "out");
  if (!presign) problems.push(...problemsOf(outFolderFlag("--out", outDir)));
  problems.push(...awsTargetProblems(values));
  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  const region = regionOf(values);
  const clients = awsClients({ region, endpoint: values.endpoint });
  const bucket = values.bucket!;
  const unusable = await preflight(clients, { bucket, endpoint: values.endpoint, region });
  if (unusable.length > 0) throw new UsageError(unusable.join("\n"));

  // Only the day of startedAt goes into the keys.
  const run: RunRef | undefined = given && "id" in given ? { id: given.id, startedAt: `${given.date}T00:00:00Z` } : await newestRun(clients.s3, bucket);
  if (!run) {
    console.error(`s3://${bucket}/ holds no run with a history yet (runs of version 0.4.0 or later keep one): give --run.`);
    return EXIT_INCOMPLETE;
  }
  if (presign) {
    const url = await getSignedUrl(clients.s3, new GetObjectCommand({ Bucket: bucket, Key: analysisKey(run, "html") }), { expiresIn: presign.value });
    console.log(url);
    return 0;
  }
  const fetched: string[] = [];
  for (const key of runFileKeys(run)) {
    const text = await readIfPresent(clients.s3, bucket, key);
    const place = pathUnder(outDir, key);
    if (text === undefined || "refused" in place) continue;
    await writePrivateFile(outDir, place.path, text);
    fetched.push(basename(key));
  }
  if (!fetched.includes(ANALYSIS_FILES.html)) {
    console.error(`Run ${run.id} has no report.html in s3://${bucket}/ (it may have stopped before its summary: docs/operations.md, "A run that failed, timed out or was aborted").`);
    return EXIT_INCOMPLETE;
  }
  console.log(`Fetched run ${run.id}: ${fetched.join(", ")}.`);
  console.log(`Open ${join(outDir, analysisKey(run, "html"))}`);
  return 0;
}
