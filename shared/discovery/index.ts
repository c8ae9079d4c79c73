/**
 * Service discovery: how a role registers itself and finds its peers (docs/architecture.md §1, README.md here).
 *
 *   const discovery = await startDiscovery({ config, role, capabilities, address, catalog, log });
 *   const queriers = await discovery.resolver.live({ role: "querier" });
 *   await discovery.stop();
 */
export { startDiscovery } from "./bootstrap.ts";
export type { StartDiscoveryOptions } from "./bootstrap.ts";
export { createResolver } from "./resolver.ts";
export type { ResolverOptions } from "./resolver.ts";
export { NatsDiscovery, serverFeatures } from "./nats-connection.ts";
export type { NatsDiscoveryOptions, NatsAnnouncement, NatsServerFeatures, RegistryChange } from "./nats-connection.ts";
export { assertCanDiscoverPeers } from "./peers.ts";
export { DiscoveryError } from "./errors.ts";
export type { DiscoveryErrorCode } from "./errors.ts";
export { buildInstance, encodeInstance, decodeInstance } from "./instance.ts";
export { mergeViews } from "./merge.ts";
export type { MergeInput, NatsSighting, Exclusion } from "./merge.ts";
export { matchesSelector } from "./selector.ts";
export { announcementSubject, registryKey } from "./subjects.ts";
export { topologyRows, formatTopologyTable, formatAge } from "./topology-report.ts";
export type { TopologyRow } from "./topology-report.ts";
export type {
  ChangeEvent,
  CatalogHealth,
  Discovery,
  EvidenceSource,
  LiveInstance,
  NatsHealth,
  Resolver,
  ResolverStatus,
  Selector,
  ServiceInstance,
} from "./types.ts";
