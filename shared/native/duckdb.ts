/**
 * DuckDB's native library in a compiled binary.
 *
 * `@duckdb/node-api` loads the addon `@duckdb/node-bindings-linux-x64/duckdb.node`, which
 * links `libduckdb.so` (NEEDED, found through RUNPATH `$ORIGIN`, i.e. beside the addon).
 * `bun build --compile` embeds the addon and unpacks it to a temporary file when required,
 * but nothing puts the 70 MB `libduckdb.so` beside that file, so the require fails with
 * "libduckdb.so: cannot open shared object file".
 *
 * Builds made with `--feature=SIGNALBOX_EMBED_DUCKDB` therefore embed `libduckdb.so` as a
 * file, unpack it once to a cache folder and dlopen it before DuckDB is imported: the
 * dynamic loader satisfies the addon's `NEEDED libduckdb.so` with the already-loaded
 * library (matched by its SONAME) instead of searching the disk.
 *
 * Call `prepareDuckDBNative()` before the first (dynamic) import of a module that imports
 * `@duckdb/node-api`. Without the feature (bun run, bun test) it does nothing: the addon
 * then finds the library beside itself in node_modules.
 */
import { feature } from "bun:bundle";
import { loadSharedLibrary, unpackEmbeddedFile } from "./load-library.ts";

let prepared: Promise<string | undefined> | undefined;

/** Returns the path the library was loaded from, or undefined when nothing was embedded. */
export function prepareDuckDBNative(): Promise<string | undefined> {
  prepared ??= load();
  return prepared;
}

async function load(): Promise<string | undefined> {
  // The import must sit inside the literal `feature()` branch: the bundler folds it and
  // only then leaves the 70 MB file out of builds without the feature.
  if (feature("SIGNALBOX_EMBED_DUCKDB")) {
    // Only the linux-x64 glibc library is embedded: `services/build.ts` builds for that host.
    const embedded = await import("@duckdb/node-bindings-linux-x64/libduckdb.so", { with: { type: "file" } });
    const path = await unpackEmbeddedFile(embedded.default, "libduckdb.so");
    loadSharedLibrary(path, "duckdb_library_version");
    return path;
  }
  return undefined;
}
