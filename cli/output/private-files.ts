import { mkdirSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";

/**
 * Modes of what the tools write on this machine: the reports list every user of every account, so
 * only the owner reads them (files 0600 in folders 0700), whatever the umask lets others do.
 */
export const PRIVATE_FILE = 0o600;
export const PRIVATE_FOLDER = 0o700;

/** Makes a folder (and any missing parents) only its owner can open. */
export async function makePrivateFolder(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: PRIVATE_FOLDER });
}

export function makePrivateFolderSync(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_FOLDER });
}

/**
 * Where a bucket key lands under a folder, or why it may not land there: a key is written by
 * whoever can put one object in the bucket (or by a hostile endpoint), so `../../.bashrc`, an
 * absolute key, or a key that names a folder is refused.
 */
export function pathUnder(folder: string, key: string): { path: string } | { refused: string } {
  if (key === "" || key.endsWith("/")) return { refused: "names a folder, not a file" };
  if (isAbsolute(key) || /^[A-Za-z]:/.test(key) || key.startsWith("\\")) return { refused: "is an absolute path" };
  const root = resolve(folder);
  const path = resolve(root, key);
  const within = relative(root, path);
  if (within === "" || within === ".." || within.startsWith(`..${sep}`) || isAbsolute(within)) return { refused: "resolves outside the output folder" };
  return { path };
}
