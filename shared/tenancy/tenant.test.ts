import { describe, expect, test } from "bun:test";
import { createTenantResolver, TenancyError, type TenancyErrorKind, type TenantCredentials } from "./index.ts";

const tokens = [
  { token: "ingest-token-acme", org: "acme", scopes: ["ingest" as const] },
  { token: "query-token-acme", org: "acme", scopes: ["query" as const] },
];

function failure(fn: () => unknown): { kind: TenancyErrorKind; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof TenancyError) return { kind: err.kind, message: err.message };
    throw err;
  }
  throw new Error("expected a TenancyError");
}

describe("without auth tokens", () => {
  const resolve = createTenantResolver([]);
  test("defaults org and bucket", () => {
    expect(resolve({}, "ingest")).toEqual({ orgId: "default", bucket: "default" });
    expect(resolve({ orgId: "", bucket: "  " }, "ingest")).toEqual({ orgId: "default", bucket: "default" });
  });
  test("takes org and bucket from the headers and ignores Authorization", () => {
    expect(resolve({ orgId: "team-a", bucket: "prod.eu_1", authorization: "Bearer nope" }, "ingest")).toEqual({
      orgId: "team-a",
      bucket: "prod.eu_1",
    });
  });
  test.each<[TenantCredentials, string]>([
    [{ orgId: "../etc" }, "invalid X-Scope-OrgID"],
    [{ orgId: "a/b" }, "invalid X-Scope-OrgID"],
    [{ orgId: ".hidden" }, "invalid X-Scope-OrgID"],
    [{ orgId: "x".repeat(129) }, "invalid X-Scope-OrgID"],
    [{ bucket: "a b" }, "invalid X-Signalbox-Bucket"],
  ])("rejects %j", (credentials, message) => {
    const f = failure(() => resolve(credentials, "ingest"));
    expect(f.kind).toBe("invalid");
    expect(f.message).toContain(message);
  });
  test("accepts a 128-character name", () => {
    expect(resolve({ orgId: "x".repeat(128) }, "ingest").orgId).toHaveLength(128);
  });
});

describe("with auth tokens", () => {
  const resolve = createTenantResolver(tokens);
  test("the token's org is the org", () => {
    expect(resolve({ authorization: "Bearer ingest-token-acme" }, "ingest")).toEqual({ orgId: "acme", bucket: "default" });
    expect(resolve({ authorization: "bearer ingest-token-acme", orgId: "acme", bucket: "b1" }, "ingest")).toEqual({
      orgId: "acme",
      bucket: "b1",
    });
  });
  test("missing or unknown token → unauthenticated", () => {
    expect(failure(() => resolve({}, "ingest"))).toEqual({ kind: "unauthenticated", message: expect.stringContaining("missing bearer token") });
    expect(failure(() => resolve({ authorization: "Basic abc" }, "ingest")).kind).toBe("unauthenticated");
    expect(failure(() => resolve({ authorization: "Bearer wrong-token" }, "ingest"))).toEqual({
      kind: "unauthenticated",
      message: "unknown bearer token",
    });
  });
  test("another org → forbidden", () => {
    expect(failure(() => resolve({ authorization: "Bearer ingest-token-acme", orgId: "globex" }, "ingest"))).toEqual({
      kind: "forbidden",
      message: 'token is not valid for org "globex"',
    });
  });
  test("missing scope → forbidden", () => {
    expect(failure(() => resolve({ authorization: "Bearer query-token-acme" }, "ingest"))).toEqual({
      kind: "forbidden",
      message: 'token lacks the "ingest" scope',
    });
  });
  test("an invalid header is reported before the token is checked", () => {
    expect(failure(() => resolve({ orgId: "no/slash" }, "ingest")).kind).toBe("invalid");
  });
});
