import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync } from "node:fs";
import { chmod, lstat, mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

/**
 * Modes of what the tools write on this machine: the reports list every user of every account, so
 * only the owner reads them (files 0600 in folders 0700), whatever the umask lets others do.
 * mkdir's and open's modes apply only to what they create, so a folder or file left by an earlier
 * run (or made by hand, 0755/0644) is tightened with chmod, not trusted.
 */
export const PRIVATE_FILE = 0o600;
export const PRIVATE_FOLDER = 0o700;

/**
 * Makes a folder the user named (and any missing parents) only its owner can open, tightening it
 * if it was there already. Parents that were there are left alone: they are the user's (their
 * home, /tmp), not ours to close. A symlink named here is followed: the user chose it.
 */
export async function makePrivateFolder(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: PRIVATE_FOLDER });
  await chmod(path, PRIVATE_FOLDER);
}

export function makePrivateFolderSync(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_FOLDER });
  chmodSync(path, PRIVATE_FOLDER);
}

/** The folders from just below `root` down to `folder`, outermost first (none when they are the same). */
export function foldersBelow(root: string, folder: string): string[] {
  const parts = relative(resolve(root), resolve(folder)).split(sep).filter((part) => part !== "");
  return parts.map((_, i) => join(resolve(root), ...parts.slice(0, i + 1)));
}

/**
 * Writes `data` at `path` (from `pathUnder(root, key)`) owner-only, whatever was there. The
 * folders from `root` down are made or tightened outermost first, and one that is a symlink is
 * refused: once its parent is 0700 no one else can plant one, but one planted before would send
 * the report, and the chmod, elsewhere. The file is written under a new name and renamed over
 * `path`, which replaces an old 0644 file, or a symlink, instead of writing through it.
 */
export async function writePrivateFile(root: string, path: string, data: string | Uint8Array): Promise<void> {
  await makePrivateFolder(root);
  for (const folder of foldersBelow(root, dirname(path))) await makeFolderOfOurs(folder);
  // Not ending in .csv: a part left by a crash is not read as an account's report.
  const part = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.part`);
  const file = await open(part, "wx", PRIVATE_FILE);
  try {
    try {
      // The umask only takes bits away (never loosens), but a file is exactly 0600 whatever it is.
      await file.chmod(PRIVATE_FILE);
      await file.writeFile(data);
    } finally {
      await file.close();
    }
    await rename(part, path);
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  }
}

/** A folder the CLI makes under the output folder: made, or tightened if an earlier run left it. */
async function makeFolderOfOurs(folder: string): Promise<void> {
  await mkdir(folder, { mode: PRIVATE_FOLDER }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "EEXIST") throw err;
  });
  const found = await lstat(folder);
  if (!found.isDirectory()) throw new Error(`${folder} is ${found.isSymbolicLink() ? "a symlink" : "not a folder"}: reports are written only into folders, never through links`);
  await chmod(folder, PRIVATE_FOLDER);
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
