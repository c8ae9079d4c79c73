export type { RoleContext, RoleName, RoleStarter, RunningRole, Readiness } from "./role.ts";
export { ROLE_NAMES } from "./role.ts";
export { startOpsServer, opsResponse } from "./ops-server.ts";
export type { OpsServer } from "./ops-server.ts";
export { onShutdown } from "./shutdown.ts";
export { runRoles, VERSION } from "./run.ts";
export { startRoleDiscovery } from "./role-discovery.ts";
