/**
 * A role in its own process can only find its peers through a shared registry. With the
 * in-memory catalog and no NATS it would run blind, so it must refuse to start; the
 * monolith shares the in-memory catalog between its roles and is fine.
 */
import type { Config } from "../config/index.ts";

/** The reason this process could never see its peers, or undefined when it can. */
export function assertCanDiscoverPeers(config: Config, options: { monolith: boolean }): string | undefined {
  if (options.monolith) return undefined;
  if (config.discovery.catalog.dsn !== "sqlite::memory:" || config.discovery.nats.url !== undefined) return undefined;
  return (
    "cannot discover peers: discovery.catalog.dsn is sqlite::memory: (private to this process) and " +
    "discovery.nats.url is unset, so this role could never see the other roles nor be seen by them. " +
    "Set SIGNALBOX_DISCOVERY_CATALOG_DSN to sqlite:PATH or postgres://..., or SIGNALBOX_DISCOVERY_NATS_URL, " +
    "or run all roles in one process with `bun run start`."
  );
}
