import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, readdir, rm, rmdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobNotFoundError, InvalidBlobKeyError, LocalBlobStore } from "./index.ts";

let root: string;
let store: LocalBlobStore;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "sbx-store-"));
  store = new LocalBlobStore(root);
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe("LocalBlobStore", () => {
  test("put, get, stat, list by prefix, remove", async () => {
    await store.put("o/b/traces/date=2025-01-01/hour=00/1.parquet", new Uint8Array([1, 2, 3]));
    await store.put("o/b/traces/date=2025-01-01/hour=01/2.parquet", new Uint8Array([4]));
    await store.put("o/b/logs/date=2025-01-01/hour=00/3.parquet", new Uint8Array([5, 6]));
    await store.put("o/bb/traces/x", new Uint8Array([7]));
    expect(await store.get("o/b/logs/date=2025-01-01/hour=00/3.parquet")).toEqual(new Uint8Array([5, 6]));
    expect((await store.stat("o/b/traces/date=2025-01-01/hour=00/1.parquet"))?.bytes).toBe(3);
    expect(await store.stat("o/b/nothing")).toBeNull();
    expect((await store.list("o/b/traces/")).map((b) => b.key)).toEqual([
      "o/b/traces/date=2025-01-01/hour=00/1.parquet",
      "o/b/traces/date=2025-01-01/hour=01/2.parquet",
    ]);
    expect((await store.list("o/b")).length).toBe(4);
    expect((await store.list("")).length).toBe(4);
    expect(await store.list("missing/")).toEqual([]);
    await store.remove("o/b/logs/date=2025-01-01/hour=00/3.parquet");
    await store.remove("o/b/logs/date=2025-01-01/hour=00/3.parquet");
    await expect(store.get("o/b/logs/date=2025-01-01/hour=00/3.parquet")).rejects.toThrow(BlobNotFoundError);
  });

  test("put overwrites atomically and leaves no temp files; temp leftovers are not listed", async () => {
    await store.put("a/x", new Uint8Array([1]));
    await store.put("a/x", new Uint8Array([2, 2]));
    expect(await store.get("a/x")).toEqual(new Uint8Array([2, 2]));
    expect(await readdir(join(root, "a"))).toEqual(["x"]);
    await writeFile(join(root, "a", ".tmp-crashed"), "junk");
    expect((await store.list("a/")).map((b) => b.key)).toEqual(["a/x"]);
  });

  test("putFile moves a finished local file in", async () => {
    const src = join(root, "staging.parquet");
    await writeFile(src, "PAR1");
    await store.putFile("o/b/f.parquet", src);
    expect(new TextDecoder().decode(await store.get("o/b/f.parquet"))).toBe("PAR1");
    expect(await Bun.file(src).exists()).toBe(false);
  });

  test("removing a folder's last file removes the folders it leaves empty, never the root", async () => {
    const hour = (h: string) => `o/b/logs/date=2025-01-01/hour=${h}`;
    await store.put(`${hour("00")}/1.parquet`, new Uint8Array([1]));
    await store.put(`${hour("00")}/2.parquet`, new Uint8Array([2]));
    await store.put(`${hour("01")}/3.parquet`, new Uint8Array([3]));
    await store.remove(`${hour("00")}/1.parquet`);
    expect(await readdir(join(root, hour("00")))).toEqual(["2.parquet"]);
    await store.remove(`${hour("00")}/2.parquet`);
    expect(await readdir(join(root, "o/b/logs/date=2025-01-01"))).toEqual(["hour=01"]);
    await store.remove(`${hour("01")}/3.parquet`);
    expect(await readdir(root)).toEqual([]);
    // A store opened on a relative path prunes the same way.
    const relative = new LocalBlobStore(join(root, "..", root.split("/").pop()!, "rel", "..", "rel"));
    await relative.put("x/y/z.parquet", new Uint8Array([1]));
    await relative.remove("x/y/z.parquet");
    expect(await readdir(join(root, "rel"))).toEqual([]);
  });

  test("a put into a folder pruned while it writes makes the folder again", async () => {
    const folder = "o/b/traces/date=2025-01-01/hour=02";
    const path = join(root, folder);
    let failedBefore = 0;
    for (let i = 0; i < 100; i++) {
      // The folder is empty, as a removal leaves it: prune it (once) while the put runs.
      await mkdir(path, { recursive: true });
      let done = false;
      const prune = (async () => {
        while (!done) {
          try {
            await rmdir(path);
            return;
          } catch {
            // not empty (the put landed) or not there yet
          }
        }
      })();
      const src = join(root, `staging-${i}`);
      await writeFile(src, "PAR1");
      const key = i % 2 === 0 ? `${folder}/new-${i}.parquet` : `${folder}/moved-${i}.parquet`;
      await (i % 2 === 0 ? store.put(key, new Uint8Array([2])) : store.putFile(key, src)).catch(() => failedBefore++);
      done = true;
      await prune;
      expect(await store.stat(key)).not.toBeNull();
      await store.remove(key);
    }
    expect(failedBefore).toBe(0);
  });

  test("keys that could escape the root are refused", async () => {
    for (const key of ["", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", "a\u0000b", "a\\b"]) {
      await expect(store.put(key, new Uint8Array())).rejects.toThrow(InvalidBlobKeyError);
    }
    expect(() => store.localPath("a/../b")).toThrow(InvalidBlobKeyError);
  });
});
