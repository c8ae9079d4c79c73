import { describe, expect, test } from "bun:test";
import { parseCatalogDsn, redactDsn } from "./dsn.ts";
import { CatalogError } from "./errors.ts";

describe("parseCatalogDsn", () => {
  test("recognises every supported spelling", () => {
    expect(parseCatalogDsn("sqlite::memory:")).toEqual({ kind: "sqlite", memory: true });
    expect(parseCatalogDsn("sqlite:./data/catalog.db")).toEqual({ kind: "sqlite", memory: false, path: "./data/catalog.db" });
    expect(parseCatalogDsn("sqlite:///var/lib/sb.db")).toEqual({ kind: "sqlite", memory: false, path: "/var/lib/sb.db" });
    expect(parseCatalogDsn("postgres://u:p@h:5432/db")).toEqual({ kind: "postgres", url: "postgres://u:p@h:5432/db" });
    expect(parseCatalogDsn("postgresql://h/db")).toEqual({ kind: "postgres", url: "postgresql://h/db" });
  });

  test("refuses other schemes with unsupported_dsn, without leaking a password", () => {
    for (const dsn of ["mysql://u:secret@h/db", "catalog.db", "", "sqlite:"]) {
      let error: unknown;
      try {
        parseCatalogDsn(dsn);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CatalogError);
      expect((error as CatalogError).code).toBe("unsupported_dsn");
      expect((error as Error).message).not.toContain("secret");
    }
  });

  test("redactDsn masks the password only", () => {
    expect(redactDsn("postgres://user:s3cr%40t@host:5432/db")).toBe("postgres://user:***@host:5432/db");
    expect(redactDsn("postgres://host/db")).toBe("postgres://host/db");
  });
});
