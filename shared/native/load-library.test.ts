import { afterAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { cacheDirCandidates, loadSharedLibrary, NativeLibraryError, unpackEmbeddedFile } from "./index.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../test/helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const root = mkdtempSync(join(tmpdir(), "sb-native-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A stand-in for a file embedded in a binary: its name carries a content hash, as Bun's do. */
function embedded(name: string, content: string): string {
  const path = join(root, name);
  writeFileSync(path, content);
  return path;
}

describe("unpackEmbeddedFile", () => {
  test("copies once into a folder named after the embedded file, then reuses it", async () => {
    const source = embedded("libfake-abc123.so", "x".repeat(1000));
    const cache = join(root, "cache-a");
    const path = await unpackEmbeddedFile(source, "libfake.so", [cache]);
    expect(path).toBe(join(cache, "libfake-abc123", "libfake.so"));
    expect(await Bun.file(path).text()).toBe("x".repeat(1000));
    const firstWrite = statSync(path).mtimeMs;
    await Bun.sleep(5);
    expect(await unpackEmbeddedFile(source, "libfake.so", [cache])).toBe(path);
    expect(statSync(path).mtimeMs).toBe(firstWrite);
  });

  test("a truncated copy (different size) is replaced", async () => {
    const source = embedded("libfake-def456.so", "y".repeat(500));
    const cache = join(root, "cache-b");
    const path = await unpackEmbeddedFile(source, "libfake.so", [cache]);
    writeFileSync(path, "y".repeat(10));
    await unpackEmbeddedFile(source, "libfake.so", [cache]);
    expect(statSync(path).size).toBe(500);
  });

  test("an unusable folder falls through to the next; none usable is a NativeLibraryError", async () => {
    const source = embedded("libfake-0789ab.so", "z");
    const blocker = join(root, "not-a-dir");
    writeFileSync(blocker, "");
    const fallback = join(root, "cache-c");
    expect(await unpackEmbeddedFile(source, "libfake.so", [join(blocker, "sub"), fallback])).toBe(join(fallback, "libfake-0789ab", "libfake.so"));
    await expect(unpackEmbeddedFile(source, "libfake.so", [join(blocker, "sub")])).rejects.toBeInstanceOf(NativeLibraryError);
  });

  test("the folders are private to the user", async () => {
    const source = embedded("libfake-aaaa11.so", "p");
    const cache = join(root, "cache-d");
    const path = await unpackEmbeddedFile(source, "libfake.so", [cache]);
    expect(statSync(dirname(path)).mode & 0o077).toBe(0);
  });
});

describe("cacheDirCandidates", () => {
  test("XDG_CACHE_HOME, then ~/.cache, then a per-user temp folder", () => {
    const dirs = cacheDirCandidates({ XDG_CACHE_HOME: "/x", HOME: "/home/u" });
    expect(dirs.slice(0, 2)).toEqual(["/x/signalbox", "/home/u/.cache/signalbox"]);
    expect(dirs[2]).toStartWith(join(tmpdir(), "signalbox-"));
  });
});

describe("loadSharedLibrary", () => {
  test("loads DuckDB's library from node_modules and refuses a missing symbol", () => {
    const require = createRequire(import.meta.url);
    const lib = join(dirname(require.resolve("@duckdb/node-bindings-linux-x64/package.json")), "libduckdb.so");
    expect(() => loadSharedLibrary(lib, "duckdb_library_version")).not.toThrow();
    expect(() => loadSharedLibrary(join(root, "missing.so"), "duckdb_library_version")).toThrow(NativeLibraryError);
  });
});
