/**
 * The liveness rule, as one pure function over the two views (so it is tested on plain data).
 *
 * An instance is live when
 *   - NATS heard it (a register or heartbeat subject) within `staleAfterMs`, or
 *   - the catalog says its last_seen is within `ttlMs` (or the catalog is down and this is
 *     its last good view), unless NATS overrules: NATS is up and has been for long enough to
 *     have heard every live instance ("settled"), it knows this instance (from a subject or
 *     its KV entry), and the catalog holds no newer heartbeat than NATS does — then NATS's
 *     silence is the finer evidence. That is what lets a crash be seen in `stale_after`
 *     instead of a catalog ttl, while an instance cut off from NATS but still heartbeating
 *     the catalog stays live.
 * and it is not excluded (deregistered on NATS, or marked suspect by a caller) without having
 * been heard from since.
 *
 * Heartbeat timestamps written by an instance (catalog last_seen, the NATS payload's lastSeen)
 * are compared only with each other (one clock); staleness on NATS is measured with the
 * local receive time.
 */
import type { ServiceInstance } from "../catalog/model.ts";
import type { CatalogHealth, EvidenceSource, LiveInstance, NatsHealth } from "./types.ts";

export interface NatsSighting {
  instance: ServiceInstance;
  /** Local time the last register/heartbeat arrived (for a KV entry: the time it was written). */
  heardAt: number;
  /** Known only from its KV entry, not heard on a subject yet: proves it existed, not that it lives. */
  fromRegistry?: boolean;
}

/** Evidence known when an instance was excluded; newer evidence from either source readmits it. */
export interface Exclusion {
  reason: "suspect" | "deregistered";
  /** Newest sender-clock heartbeat known at exclusion time (catalog row or NATS payload). */
  lastSeen: number;
  /** Local receive time of the newest NATS heartbeat at exclusion time (0 = none). */
  heardAt: number;
  /** Local time of the exclusion (to forget it once nothing can refer to the instance any more). */
  at: number;
}

export interface MergeInput {
  now: number;
  ttlMs: number;
  staleAfterMs: number;
  catalog: { rows: readonly ServiceInstance[]; health: CatalogHealth };
  /** `settled`: connected long enough (two NATS heartbeat periods) to have heard every live instance. */
  nats: { sightings: ReadonlyMap<string, NatsSighting>; health: NatsHealth; settled: boolean };
  exclusions: ReadonlyMap<string, Exclusion>;
}

export function isExclusionCleared(
  exclusion: Exclusion,
  row: ServiceInstance | undefined,
  sighting: NatsSighting | undefined,
): boolean {
  if (sighting && !sighting.fromRegistry && sighting.heardAt > exclusion.heardAt) return true;
  return row !== undefined && row.lastSeen > exclusion.lastSeen;
}

/** All live instances, ordered by id. */
export function mergeViews(input: MergeInput): LiveInstance[] {
  const rows = new Map(input.catalog.rows.map((row) => [row.id, row]));
  const ids = new Set<string>([...rows.keys(), ...input.nats.sightings.keys()]);
  const live: LiveInstance[] = [];
  for (const id of ids) {
    const row = rows.get(id);
    const sighting = input.nats.sightings.get(id);
    const exclusion = input.exclusions.get(id);
    if (exclusion && !isExclusionCleared(exclusion, row, sighting)) continue;

    const natsLive = sighting !== undefined && !sighting.fromRegistry && input.now - sighting.heardAt <= input.staleAfterMs;
    const natsOverrules =
      input.nats.health === "ok" &&
      input.nats.settled &&
      sighting !== undefined &&
      row !== undefined &&
      row.lastSeen <= sighting.instance.lastSeen;
    const catalogFresh = row !== undefined && (input.catalog.health === "down" || input.now - row.lastSeen <= input.ttlMs);
    if (!natsLive && !(catalogFresh && !natsOverrules)) continue;

    const sources: EvidenceSource[] = [];
    if (catalogFresh) sources.push("catalog");
    if (natsLive) sources.push("nats");
    // The newer document wins: a NATS heartbeat carries the same facts as the row.
    const newest = row && (!sighting || row.lastSeen >= sighting.instance.lastSeen) ? row : sighting!.instance;
    live.push({ ...newest, capabilities: [...newest.capabilities], meta: { ...newest.meta }, sources });
  }
  live.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return live;
}
