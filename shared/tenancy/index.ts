export {
  createTenantResolver,
  TenancyError,
  TENANT_NAME,
  DEFAULT_ORG,
  DEFAULT_BUCKET,
  ORG_HEADER,
  BUCKET_HEADER,
} from "./tenant.ts";
export type { Tenant, TenantCredentials, TenantResolver, TenancyErrorKind, AuthToken, Scope } from "./tenant.ts";
