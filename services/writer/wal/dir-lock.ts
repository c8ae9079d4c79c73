/**
 * One process per WAL directory: two appenders on one log would interleave records. The
 * lock is a `LOCK` file holding the owner's pid; a lock whose pid is no longer alive (the
 * owner was killed) is taken over.
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

export class WalLockedError extends Error {
  constructor(dir: string, pid: number) {
    super(`write-ahead log ${dir} is in use by process ${pid}`);
    this.name = "WalLockedError";
  }
}

export async function acquireDirLock(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, "LOCK");
  try {
    const pid = Number((await readFile(path, "utf8")).trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) throw new WalLockedError(dir, pid);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await writeFile(path, `${process.pid}\n`);
  return () => rm(path, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
