/**
 * The live batches a querier last received from each writer, per (org, bucket, table). A
 * batch never changes once acknowledged, so the next query asks the writer only for batches
 * it does not hold (LiveTicket `have`) and drops those the writer no longer lists (flushed).
 * Keeping the same batch objects also keeps what the engine added to them (live-rows.ts).
 *
 * Bounded: scopes not asked for in IDLE_MS are dropped (at the next query or sweep), and past
 * `maxBytes` the least recently used scopes go first — but not one asked for in the last
 * RECENT_MS: dropping the scope queries are using saves nothing while they hold its batches,
 * and makes every next query fetch them all again (with many live spans over the cap, a
 * search became several times slower: bench/query-live.ts). What a querier holds is in any case at most what the writers buffer
 * (`writer.max_buffer_bytes` each). The bytes are those of the received batches; what the
 * engine adds to a batch (dedicated columns, row numbers) comes on top.
 */
import type { RecordBatch } from "apache-arrow";
import { retainedBytes } from "../../shared/flight/index.ts";
import { liveBatchId } from "../../shared/writepath/index.ts";

const IDLE_MS = 60_000;
const RECENT_MS = 10_000;
const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;

interface Held {
  batches: Map<string, RecordBatch>;
  bytes: number;
  usedAt: number;
}

export class LiveBatchCache {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxBytes = DEFAULT_MAX_BYTES,
  ) {}

  /**
   * The batches held for this writer and scope, for one query to name in `have`: the query
   * keeps this map, so what it claimed is still there when the answer comes back even if the
   * cache dropped the scope meanwhile (another query, a sweep).
   */
  claim(writerId: string, scope: string): Map<string, RecordBatch> {
    const held = this.held.get(keyOf(writerId, scope));
    if (!held) return new Map();
    held.usedAt = this.now();
    return new Map(held.batches);
  }

  /**
   * Records a writer's answer to a query that claimed `claimed`: `received` batches, and
   * `current`, every batch id the writer holds (undefined: a writer that sends everything, so
   * `received` is all). Returns the batches of `current`, in its order, and how many of them
   * were neither received nor claimed (then the query must ask again without `have`).
   */
  update(
    writerId: string,
    scope: string,
    claimed: ReadonlyMap<string, RecordBatch>,
    received: readonly RecordBatch[],
    current: readonly string[] | undefined,
  ): { batches: RecordBatch[]; missing: number } {
    const key = keyOf(writerId, scope);
    const arrived = new Map(received.map((b) => [liveBatchId(b), b] as const).filter(([id]) => id !== undefined) as [string, RecordBatch][]);
    const batches = new Map<string, RecordBatch>();
    let missing = 0;
    for (const id of current ?? [...arrived.keys()]) {
      const batch = arrived.get(id) ?? claimed.get(id);
      if (batch) batches.set(id, batch);
      else missing++;
    }
    // Rows a writer sent without a batch id cannot be held, only used now.
    const unnamed = received.filter((b) => liveBatchId(b) === undefined);
    this.held.delete(key);
    if (batches.size > 0) this.held.set(key, { batches, bytes: retainedBytes([...batches.values()]), usedAt: this.now() });
    this.sweep();
    return { batches: [...batches.values(), ...unnamed], missing };
  }

  /** Forget writers that are gone (their batches are flushed by another replica or replayed). */
  retainWriters(liveIds: ReadonlySet<string>): void {
    for (const key of this.held.keys()) if (!liveIds.has(key.slice(0, key.indexOf("\x00")))) this.held.delete(key);
  }

  get bytes(): number {
    let total = 0;
    for (const h of this.held.values()) total += h.bytes;
    return total;
  }

  /** Drops idle scopes, then the least recently used past the byte cap, recent ones spared (also run on a timer). */
  sweep(): void {
    const now = this.now();
    for (const [key, h] of this.held) if (now - h.usedAt > IDLE_MS) this.held.delete(key);
    let total = this.bytes;
    if (total <= this.maxBytes) return;
    for (const [key, h] of [...this.held].sort((a, b) => a[1].usedAt - b[1].usedAt)) {
      if (now - h.usedAt <= RECENT_MS) return;
      this.held.delete(key);
      total -= h.bytes;
      if (total <= this.maxBytes) return;
    }
  }
}

const keyOf = (writerId: string, scope: string) => `${writerId}\x00${scope}`;

