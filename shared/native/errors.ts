/** The embedded native library could not be unpacked or loaded; the process cannot use DuckDB. */
export class NativeLibraryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NativeLibraryError";
  }
}
