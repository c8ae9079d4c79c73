/**
 * Registering a role in discovery, with the view it gets exported on `/metrics`: live
 * instances by role and whether the resolver is serving a stale (degraded) view. Every
 * role registers through this, so every role reports the same series. Bound addresses
 * (the main one and the listener addresses in meta) are registered as peers can dial them.
 */
import { startDiscovery, type Discovery, type StartDiscoveryOptions } from "../discovery/index.ts";
import { advertisedAddress } from "./advertise.ts";
import type { RoleContext } from "./role.ts";

/** Meta entries that hold a listener's bound address. */
const LISTENER_KEYS = new Set(["http", "flight", "grpc"]);

export async function startRoleDiscovery(
  ctx: RoleContext,
  options: Omit<StartDiscoveryOptions, "config" | "catalog" | "log">,
): Promise<Discovery> {
  const meta = Object.fromEntries(
    Object.entries(options.meta ?? {}).map(([key, value]) => [
      key,
      LISTENER_KEYS.has(key) && typeof value === "string" ? advertisedAddress(ctx.config, value) : value,
    ]),
  );
  const discovery = await startDiscovery({
    ...options,
    address: advertisedAddress(ctx.config, options.address),
    meta,
    config: ctx.config,
    catalog: ctx.catalog,
    log: ctx.log,
  });
  const { resolver } = discovery;
  // The gauges are sampled synchronously at scrape time, so keep the view up to date from
  // the resolver's change events rather than asking the registry on every scrape.
  const roleOf = new Map<string, string>();
  for (const instance of await resolver.live()) roleOf.set(instance.id, instance.role);
  resolver.onChange((event) => {
    if (event.type === "up") roleOf.set(event.instance.id, event.instance.role);
    else roleOf.delete(event.instance.id);
  });
  ctx.metrics.gauge("signalbox_discovery_live_instances", "live instances this instance's resolver sees, by role", ["role"], () => {
    const counts = new Map<string, number>();
    for (const role of roleOf.values()) counts.set(role, (counts.get(role) ?? 0) + 1);
    return [...counts].map(([role, n]) => [{ role }, n]);
  });
  ctx.metrics.gauge("signalbox_discovery_degraded", "1 while the resolver serves its last good view (catalog or NATS unreachable)", [], () => [
    [undefined, resolver.status().degraded ? 1 : 0],
  ]);
  return discovery;
}
