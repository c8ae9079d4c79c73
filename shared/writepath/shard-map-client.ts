/**
 * The shard map as a sender (acceptor, router) sees it. Senders have no catalog of their
 * own in this path: they ask the live writers (DoAction `shard-map`) and keep the highest
 * epoch any of them knows. The copy is refreshed when a writer joins or leaves, when it is
 * older than `maxAgeMs`, and on demand when a write failed (a refusal names the epoch to reach).
 * The live writers are read with the map and cached with it, so a write does not ask the
 * registry on every request; a failed write refreshes both.
 */
import type { LiveInstance, Resolver } from "../discovery/index.ts";
import { FlightError, type FlightClientPool } from "../flight/index.ts";
import type { Logger } from "../log/index.ts";
import { ShardMapIndex, writersByName } from "../sharding/index.ts";
import { SHARD_MAP_ACTION, shardMapDocument } from "./descriptors.ts";

const ASK_DEADLINE_MS = 1_000;

export class ShardMapClient {
  private map: ShardMapIndex | null = null;
  private writerView: Map<string, LiveInstance> | null = null;
  private fetchedAt = 0;
  private stale = true;
  private inflight: Promise<ShardMapIndex | null> | null = null;

  constructor(
    private readonly deps: { resolver: Resolver; pool: FlightClientPool; log: Logger; maxAgeMs?: number },
  ) {
    deps.resolver.onChange((event) => {
      if (event.instance.role === "writer") this.stale = true;
    });
  }

  /** Live writers by stable name (the newest instance of each name), as of the current map. */
  async writers(): Promise<Map<string, LiveInstance>> {
    await this.current();
    return this.writerView ?? this.liveWriters();
  }

  private async liveWriters(): Promise<Map<string, LiveInstance>> {
    return writersByName(await this.deps.resolver.live({ role: "writer" }));
  }

  /** The cached map, fetched when missing, marked stale or older than maxAgeMs. */
  async current(): Promise<ShardMapIndex | null> {
    const maxAge = this.deps.maxAgeMs ?? 1_000;
    if (this.map && !this.stale && Date.now() - this.fetchedAt < maxAge) return this.map;
    return this.refresh();
  }

  /** Fetch now (concurrent callers share one fetch); never goes back to an older epoch. */
  refresh(): Promise<ShardMapIndex | null> {
    this.inflight ??= this.fetch().finally(() => (this.inflight = null));
    return this.inflight;
  }

  get epoch(): number {
    return this.map?.epoch ?? 0;
  }

  private async fetch(): Promise<ShardMapIndex | null> {
    this.stale = false;
    this.writerView = await this.liveWriters();
    const writers = [...this.writerView.values()];
    const answers = await Promise.all(writers.map((w) => this.ask(w)));
    let best = this.map;
    for (const answer of answers) if (answer && (!best || answer.epoch > best.epoch)) best = answer;
    if (best !== this.map) {
      this.deps.log.info("shard_map.adopted", { epoch: best?.epoch, previous: this.map?.epoch ?? 0 });
      this.map = best;
    }
    this.fetchedAt = Date.now();
    return this.map;
  }

  private async ask(writer: LiveInstance): Promise<ShardMapIndex | null> {
    try {
      const body = await this.deps.pool.get(writer.address).action(SHARD_MAP_ACTION, {}, { deadlineMs: ASK_DEADLINE_MS });
      const parsed = shardMapDocument.safeParse(body);
      if (!parsed.success) {
        this.deps.log.warn("shard_map.bad_answer", { writer: writer.id, problem: parsed.error.message });
        return null;
      }
      return parsed.data.epoch > 0 ? new ShardMapIndex(parsed.data) : null;
    } catch (err) {
      const error = FlightError.from(err);
      if (error.isUnavailable) {
        this.deps.resolver.markSuspect(writer.id);
        this.deps.pool.drop(writer.address);
      }
      this.deps.log.debug("shard_map.ask_failed", { writer: writer.id, err: error.message });
      return null;
    }
  }
}
