/**
 * The few file-system steps that make a write survive a crash: data fsynced before it is
 * renamed into place, and the directory fsynced after a name appears or disappears (else
 * the rename itself can be lost on power failure).
 */
import { mkdir, open, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

export async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, "r+");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsync(tmp) → rename(tmp, dest) → fsync(dirname(dest)). Both paths must be on one file system. */
export async function durableRename(tmpPath: string, destPath: string): Promise<void> {
  await fsyncFile(tmpPath);
  await rename(tmpPath, destPath);
  await fsyncDir(dirname(destPath));
}

/** Writes `data` at `path` all or nothing: a temp file beside it, fsynced, renamed into place. */
export async function writeFileDurably(path: string, data: Uint8Array): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    await writeFile(tmp, data);
    await durableRename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * mkdir -p, fsyncing each directory whose entry was created, so a new folder chain is
 * itself durable before a file is renamed into it.
 */
export async function ensureDirDurable(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return;
  // `first` is the top-most directory created; fsync its parent and every new level.
  let d = dir;
  const created: string[] = [];
  while (d.length >= first.length) {
    created.push(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const c of created) await fsyncDir(c);
  await fsyncDir(dirname(first));
}

/** A temp name beside `destPath` (same directory, same file system) that listings skip. */
export function tempPathFor(destPath: string): string {
  return `${dirname(destPath)}/.tmp-${crypto.randomUUID()}`;
}

export const isTempName = (name: string) => name.startsWith(".tmp-");
