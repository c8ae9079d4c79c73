/**
 * Folders that come and go with their files: a removal prunes the folders it leaves empty (an
 * hour whose files were all compacted away, expired or evicted), and a write into a folder
 * makes it again if such a removal pruned it in between. Kept, a folder per table and hour
 * would pile up for as long as a cluster lives, and every walk of the tree would visit them.
 */
import { rmdir, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";

/** Removes `dir` and the folders above it, up to `top` (kept), while they are empty. */
export async function pruneEmptyFolders(dir: string, top: string): Promise<void> {
  const root = resolve(top);
  for (let d = resolve(dir); d.startsWith(root + "/"); d = dirname(d)) {
    try {
      await rmdir(d);
    } catch {
      return; // not empty (ENOTEMPTY), already gone, or not ours to remove: leave it
    }
  }
}

/**
 * Makes the folder of `dest` (`makeFolder`) and runs `write`, which puts `dest` there; if the
 * folder vanished in between (pruned as empty), makes it again and retries.
 */
export async function intoFolder(dest: string, write: () => Promise<void>, makeFolder: (dir: string) => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await makeFolder(dirname(dest));
    try {
      return await write();
    } catch (err) {
      const gone = (err as NodeJS.ErrnoException).code === "ENOENT" && !(await exists(dirname(dest)));
      if (!gone || attempt >= 5) throw err;
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
