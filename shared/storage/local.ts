/**
 * BlobStore on a local directory (`storage.path`). Writes go to a temp name in the target
 * folder, are fsynced, renamed into place, and the folder is fsynced: a reader never sees a
 * half-written file and an acknowledged write survives a crash. Temp leftovers of a crash
 * are named `.tmp-*` and are invisible to `list`.
 */
import { copyFile, readdir, readFile, rm, stat, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Stats } from "node:fs";
import { BlobNotFoundError, type BlobInfo, type BlobStore } from "./blob-store.ts";
import { durableRename, ensureDirDurable, fsyncDir, isTempName, tempPathFor, writeFileDurably } from "./durable-fs.ts";
import { intoFolder, pruneEmptyFolders } from "./folders.ts";
import { InvalidBlobKeyError } from "./errors.ts";

export class LocalBlobStore implements BlobStore {
  constructor(readonly root: string) {}

  localPath(key: string): string {
    validateKey(key);
    return join(this.root, key);
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const dest = this.localPath(key);
    await intoFolder(dest, () => writeFileDurably(dest, data), ensureDirDurable);
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const dest = this.localPath(key);
    await intoFolder(dest, async () => {
      try {
        await durableRename(localPath, dest);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EXDEV") throw err;
        // Another file system: copy to a temp name beside the destination, then rename.
        const tmp = tempPathFor(dest);
        try {
          await copyFile(localPath, tmp);
          await durableRename(tmp, dest);
        } catch (copyErr) {
          await rm(tmp, { force: true });
          throw copyErr;
        }
        await unlink(localPath);
      }
    }, ensureDirDurable);
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(this.localPath(key)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new BlobNotFoundError(key);
      throw err;
    }
  }

  async stat(key: string): Promise<BlobInfo | null> {
    try {
      const s = await stat(this.localPath(key));
      return s.isFile() ? { key, bytes: s.size, modifiedAt: s.mtimeMs } : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
  }

  async list(prefix: string): Promise<BlobInfo[]> {
    if (prefix.includes("\u0000") || prefix.startsWith("/")) throw new InvalidBlobKeyError(prefix, "bad prefix");
    // Walk only the deepest folder the prefix fully names.
    const slash = prefix.lastIndexOf("/");
    const baseKey = slash < 0 ? "" : prefix.slice(0, slash);
    if (baseKey) validateKey(baseKey);
    const out: BlobInfo[] = [];
    await this.walk(baseKey, prefix, out);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async remove(key: string): Promise<void> {
    const path = this.localPath(key);
    try {
      await unlink(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    await fsyncDir(dirname(path));
    // The hour (and date) folder its last file leaves empty goes too (folders.ts).
    await pruneEmptyFolders(dirname(path), this.root);
  }

  private async walk(dirKey: string, prefix: string, out: BlobInfo[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dirKey ? join(this.root, dirKey) : this.root, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    for (const e of entries) {
      if (isTempName(e.name)) continue;
      const key = dirKey ? `${dirKey}/${e.name}` : e.name;
      if (e.isDirectory()) {
        // Descend only where the prefix can still match.
        if (prefix.startsWith(key + "/") || key.startsWith(prefix)) await this.walk(key, prefix, out);
      } else if (e.isFile() && key.startsWith(prefix)) {
        const s = await statIfPresent(join(this.root, key));
        // Gone since the folder was read (another writer sharing the folder moved or removed it): not listed.
        if (s) out.push({ key, bytes: s.size, modifiedAt: s.mtimeMs });
      }
    }
  }
}

async function statIfPresent(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** Keys are relative, `/`-separated, with no empty, `.` or `..` segment, no NUL and no `\`. */
export function validateKey(key: string): void {
  if (key.length === 0) throw new InvalidBlobKeyError(key, "empty");
  if (key.includes("\u0000")) throw new InvalidBlobKeyError(key, "contains NUL");
  if (key.includes("\\")) throw new InvalidBlobKeyError(key, "contains a backslash");
  if (key.startsWith("/")) throw new InvalidBlobKeyError(key, "absolute");
  for (const seg of key.split("/")) {
    if (seg === "" || seg === "." || seg === "..") throw new InvalidBlobKeyError(key, `segment ${JSON.stringify(seg)}`);
  }
}
