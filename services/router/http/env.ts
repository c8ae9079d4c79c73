/** The Hono environment of the router app: what middleware leaves on the context. */
import type { Tenant } from "../../../shared/tenancy/index.ts";

export interface RouterEnv {
  Variables: {
    tenant: Tenant;
  };
}
