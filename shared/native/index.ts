/** Native libraries the compiled binaries carry inside themselves (DuckDB's libduckdb.so). */
export { prepareDuckDBNative } from "./duckdb.ts";
export { cacheDirCandidates, loadSharedLibrary, unpackEmbeddedFile } from "./load-library.ts";
export { NativeLibraryError } from "./errors.ts";
