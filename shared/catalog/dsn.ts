/** Catalog DSNs: `sqlite::memory:`, `sqlite:PATH` (also `sqlite://PATH`), `postgres(ql)://...`. */
import { CatalogError } from "./errors.ts";

export type CatalogTarget =
  | { kind: "sqlite"; memory: true }
  | { kind: "sqlite"; memory: false; path: string }
  | { kind: "postgres"; url: string };

export function parseCatalogDsn(dsn: string): CatalogTarget {
  if (dsn.startsWith("postgres://") || dsn.startsWith("postgresql://")) return { kind: "postgres", url: dsn };
  if (dsn.startsWith("sqlite:")) {
    const rest = dsn.slice("sqlite:".length);
    if (rest === ":memory:") return { kind: "sqlite", memory: true };
    // sqlite:///abs/path and sqlite://rel/path are accepted as URL-style spellings.
    const path = rest.startsWith("//") ? rest.slice(2) : rest;
    if (path.length === 0) throw new CatalogError("unsupported_dsn", `catalog DSN "${dsn}" names no SQLite file`);
    return { kind: "sqlite", memory: false, path };
  }
  throw new CatalogError(
    "unsupported_dsn",
    `unsupported catalog DSN "${redactDsn(dsn)}": expected sqlite::memory:, sqlite:PATH, postgres://... or postgresql://...`,
  );
}

/** The DSN with any password masked, for logs and error messages. */
export function redactDsn(dsn: string): string {
  return dsn.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, "$1***@");
}
