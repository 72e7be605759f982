import { accessSync, constants, statSync } from "node:fs";
import { bucketNameProblem, ROLE_NAME } from "../../components/config/config-rules";
import { readWholeNumber, wholeNumberProblem } from "../../functions/whole-number";
import { makePrivateFolderSync } from "../output/private-files";

/**
 * Checks of command-line flags, before any AWS call. Each returns the problem, naming the flag,
 * the value and what is allowed, or undefined when the value is fine.
 */

/** A whole number written in decimal digits (not 0x10, 1e1, Infinity), within bounds. */
export function wholeNumberFlag(flag: string, raw: string | undefined, fallback: number, min: number, max: number): { value: number; problem?: string } {
  if (raw === undefined) return { value: fallback };
  const value = readWholeNumber(raw);
  if (value !== undefined && !wholeNumberProblem(flag, value, min, max)) return { value };
  return { value: fallback, problem: `${flag} must be a whole number from ${min} to ${max} in decimal digits, got ${JSON.stringify(raw)}` };
}

export function bucketFlag(flag: string, raw: string): string | undefined {
  return bucketNameProblem(flag, raw);
}

export function roleNameFlag(flag: string, raw: string): string | undefined {
  return ROLE_NAME.test(raw) ? undefined : `${flag} must be an IAM role name (1-64 letters, digits and +=,.@_-), got ${JSON.stringify(raw)}`;
}

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[\w-]{1,256}$/;

export function topicArnFlag(flag: string, raw: string): string | undefined {
  return TOPIC_ARN.test(raw) ? undefined : `${flag} must be an SNS topic ARN (arn:<partition>:sns:<region>:<account>:<topic>), got ${JSON.stringify(raw)}`;
}

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z]{2}(-[a-z]+)+-\d:\d{12}:stateMachine:[\w-]{1,80}$/;

export function stateMachineArnFlag(flag: string, raw: string): string | undefined {
  return STATE_MACHINE_ARN.test(raw) ? undefined : `${flag} must be a state machine ARN (arn:<partition>:states:<region>:<account>:stateMachine:<name>, the stack's output stateMachineArn), got ${JSON.stringify(raw)}`;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

export function regionFlag(flag: string, raw: string): string | undefined {
  return REGION.test(raw) ? undefined : `${flag} must be an AWS region such as us-east-1, got ${JSON.stringify(raw)}`;
}

/** Hosts that never leave this machine: an emulator there may be spoken to in plain HTTP. */
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * An http(s) URL. Plain http to another host would send real credentials' signatures and every
 * report in clear: refused unless `insecureFlag` was given as well.
 */
export function endpointFlag(flag: string, raw: string, insecure: { flag: string; given: boolean }): string | undefined {
  const allowed = `${flag} must be an http(s) URL such as http://127.0.0.1:5000, got ${JSON.stringify(raw)}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return allowed;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return allowed;
  if (url.protocol === "http:" && !LOOPBACK.test(url.hostname) && !insecure.given) {
    return `${flag} ${JSON.stringify(raw)} is plain http to ${url.hostname}, not this machine: the calls and the reports would cross the network unencrypted. Use https, a loopback address (127.0.0.1, localhost, [::1]), or add ${insecure.flag} to accept it`;
  }
  return undefined;
}

/** A folder that exists, or can be made (owner only), and can be written: made here if it is missing. */
export function outFolderFlag(flag: string, path: string): string | undefined {
  try {
    makePrivateFolderSync(path);
    accessSync(path, constants.W_OK);
    return undefined;
  } catch (err) {
    return `${flag} must be a folder that can be created and written, got ${JSON.stringify(path)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
}

/** The problems among the checks' answers (undefined where a value was fine). */
export function problemsOf(...answers: (string | undefined)[]): string[] {
  return answers.filter((p): p is string => p !== undefined);
}

/** A stored run's prefix, credential-reports/date=<day>/run=<id>/ (the trailing slash may be left out): its day and id, or the problem. */
export function runPrefixFlag(flag: string, raw: string): { readonly folder: string; readonly date: string; readonly id: string } | { readonly problem: string } {
  const folder = raw.replace(/\/?$/, "/");
  const match = /(?:^|\/)date=(\d{4}-\d{2}-\d{2})\/run=([A-Za-z0-9_.-]{1,80})\/$/.exec(folder);
  return match ? { folder, date: match[1], id: match[2] } : { problem: `${flag} must be a run's prefix such as credential-reports/date=2026-11-25/run=<id>/, got ${JSON.stringify(raw)}` };
}

/** A folder to read from: it must exist and be a folder. */
export function inFolderFlag(flag: string, path: string): string | undefined {
  try {
    if (statSync(path).isDirectory()) return undefined;
    return `${flag} must be a folder of reports, got ${JSON.stringify(path)} (a file)`;
  } catch (err) {
    return `${flag} must be a folder of reports, got ${JSON.stringify(path)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
}
