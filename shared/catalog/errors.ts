/** Typed errors of the catalog: callers branch on `code`, never on message text. */
export type CatalogErrorCode =
  /** The DSN names no supported catalog (scheme other than sqlite: / postgres(ql)://). */
  | "unsupported_dsn"
  /** A value handed to the repository breaks the model (e.g. a non-decimal ns time). */
  | "invalid_argument"
  /** The catalog could not be opened: unreachable, or migrations failed (after retries, for SQLite). */
  | "open_failed"
  /** The embedded migration list and the drizzle-kit journal disagree (a build error). */
  | "migrations_out_of_sync"
  /** A call failed or did not answer in time (the catalog is down or unreachable); retry later. */
  | "unavailable";

export class CatalogError extends Error {
  override readonly name = "CatalogError";
  constructor(
    readonly code: CatalogErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
