/**
 * A size-limited tmpfs for disk-full fault tests. Mounting needs root (CI runs as root);
 * when it is impossible the test fails with the reason — a fault test that silently skips
 * proves nothing.
 */
import { mkdtempSync, openSync, closeSync, writeSync, rmSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Tmpfs {
  path: string;
  /** Writes a file until the file system is full; returns its path (delete it to free the space). */
  fill(): string;
  unmount(): Promise<void>;
}

export async function mountTmpfs(sizeBytes: number): Promise<Tmpfs> {
  const path = mkdtempSync(join(tmpdir(), "sb-tmpfs-"));
  const mount = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", `size=${sizeBytes}`, "tmpfs", path]);
  if (mount.exitCode !== 0) {
    rmdirSync(path);
    throw new Error(`cannot mount a tmpfs at ${path} (exit ${mount.exitCode}): ${mount.stderr.toString().trim()} — this fault test needs root`);
  }
  return {
    path,
    fill() {
      const filler = join(path, `filler-${crypto.randomUUID()}`);
      const fd = openSync(filler, "w");
      try {
        // Large chunks first, then page-sized ones take the last free pages.
        for (const size of [1024 * 1024, 4096]) {
          const chunk = new Uint8Array(size);
          try {
            for (;;) writeSync(fd, chunk);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
          }
        }
      } finally {
        closeSync(fd);
      }
      return filler;
    },
    async unmount() {
      // A process that still has files open there (a killed role's last flush) may hold it briefly.
      for (let attempt = 0; ; attempt++) {
        const umount = Bun.spawnSync(["umount", path]);
        if (umount.exitCode === 0) break;
        if (attempt >= 20) throw new Error(`cannot unmount ${path}: ${umount.stderr.toString().trim()}`);
        await Bun.sleep(250);
      }
      rmSync(path, { recursive: true, force: true });
    },
  };
}
