/** The catalog: service registry, shard map and data-file manifest, on SQLite or PostgreSQL. */
export { openCatalog, type OpenCatalogOptions } from "./open.ts";
export { CatalogError, type CatalogErrorCode } from "./errors.ts";
export { parseCatalogDsn, redactDsn, type CatalogTarget } from "./dsn.ts";
export type { CatalogRepository } from "./repository.ts";
export type {
  DataFile, DataFileQuery, ManifestDelta, ManifestReplacement, ManifestScope, ManifestSummary, RetiredFile, RetireReason, ServiceInstance, ShardAssignment,
  ShardMap,
} from "./model.ts";
