/**
 * Who a request is for: its org and bucket, and whether its bearer token allows it.
 * One implementation for every front end (OTLP/HTTP, OTLP/gRPC, the query API), so the
 * rules (defaults, validation, token → org, scopes) cannot drift between them.
 */
import type { Config } from "../config/index.ts";

export type AuthToken = Config["auth"]["tokens"][number];
export type Scope = AuthToken["scopes"][number];

export const DEFAULT_ORG = "default";
export const DEFAULT_BUCKET = "default";
export const ORG_HEADER = "X-Scope-OrgID";
export const BUCKET_HEADER = "X-Signalbox-Bucket";

/**
 * Org and bucket names become path segments of the storage layout
 * (`{org}/{bucket}/{table}/...`): no separators, no leading dot, bounded length.
 */
export const TENANT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface Tenant {
  orgId: string;
  bucket: string;
}

/** What a front end found on the request; absent values are null/undefined/"". */
export interface TenantCredentials {
  /** The Authorization header / `authorization` metadata, e.g. `Bearer abc...`. */
  authorization?: string | null;
  /** X-Scope-OrgID. */
  orgId?: string | null;
  /** X-Signalbox-Bucket. */
  bucket?: string | null;
}

/**
 * `invalid` → HTTP 400 / INVALID_ARGUMENT; `unauthenticated` → 401 / UNAUTHENTICATED;
 * `forbidden` → 403 / PERMISSION_DENIED.
 */
export type TenancyErrorKind = "invalid" | "unauthenticated" | "forbidden";

export class TenancyError extends Error {
  override readonly name = "TenancyError";
  constructor(
    readonly kind: TenancyErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export type TenantResolver = (credentials: TenantCredentials, scope: Scope) => Tenant;

/**
 * Builds the resolver once per configuration. Tokens are looked up by their SHA-256 so the
 * comparison time says nothing about how much of a guessed token was right.
 */
export function createTenantResolver(tokens: readonly AuthToken[]): TenantResolver {
  const byDigest = new Map(tokens.map((t) => [digest(t.token), t] as const));
  const authEnabled = byDigest.size > 0;

  return (credentials, scope) => {
    const requestedOrg = nonEmpty(credentials.orgId);
    const bucket = nonEmpty(credentials.bucket) ?? DEFAULT_BUCKET;
    if (requestedOrg !== undefined) checkName(ORG_HEADER, requestedOrg);
    checkName(BUCKET_HEADER, bucket);
    if (!authEnabled) return { orgId: requestedOrg ?? DEFAULT_ORG, bucket };

    const token = bearerToken(credentials.authorization);
    if (token === undefined) throw new TenancyError("unauthenticated", "missing bearer token (Authorization: Bearer <token>)");
    const entry = byDigest.get(digest(token));
    if (!entry) throw new TenancyError("unauthenticated", "unknown bearer token");
    if (requestedOrg !== undefined && requestedOrg !== entry.org) {
      throw new TenancyError("forbidden", `token is not valid for org "${requestedOrg}"`);
    }
    if (!entry.scopes.includes(scope)) throw new TenancyError("forbidden", `token lacks the "${scope}" scope`);
    return { orgId: entry.org, bucket };
  };
}

function checkName(header: string, value: string): void {
  if (!TENANT_NAME.test(value)) {
    throw new TenancyError(
      "invalid",
      `invalid ${header} "${value.slice(0, 64)}": expected 1-128 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit`,
    );
  }
}

function bearerToken(header: string | null | undefined): string | undefined {
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match ? match[1] : undefined;
}

function nonEmpty(value: string | null | undefined): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}

function digest(token: string): string {
  return new Bun.CryptoHasher("sha256").update(token).digest("hex");
}
