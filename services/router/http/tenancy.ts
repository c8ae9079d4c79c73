/**
 * Hono glue for shared/tenancy (the one implementation of org/bucket/token rules, shared with
 * the acceptor): resolves the request's tenant for a scope and stores it on the context.
 */
import type { Context, MiddlewareHandler } from "hono";
import {
  BUCKET_HEADER,
  ORG_HEADER,
  createTenantResolver,
  type AuthToken,
  type Scope,
  type Tenant,
} from "../../../shared/tenancy/index.ts";
import type { RouterEnv } from "./env.ts";

export function tenancyMiddleware(tokens: readonly AuthToken[], scope: Scope): MiddlewareHandler<RouterEnv> {
  const resolve = createTenantResolver(tokens);
  return async (c, next) => {
    // Throws TenancyError (400/401/403), answered by the app's error handler.
    const tenant = resolve(
      {
        authorization: c.req.header("Authorization"),
        orgId: c.req.header(ORG_HEADER),
        bucket: c.req.header(BUCKET_HEADER),
      },
      scope,
    );
    c.set("tenant", tenant);
    await next();
  };
}

export function tenantOf(c: Context<RouterEnv>): Tenant {
  const tenant = c.get("tenant");
  if (!tenant) throw new Error("tenancy middleware did not run for this route");
  return tenant;
}
