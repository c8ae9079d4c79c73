/**
 * The CatalogRepository, written once for both dialects (see catalog-driver.ts for how).
 * Every method is one statement or one short `atomically` transaction.
 */
import { and, asc, eq, gte, inArray, lt, lte, sql, type SQL } from "drizzle-orm";
import { type CatalogDriver, run } from "./catalog-driver.ts";
import type { DataFile, DataFileQuery, ServiceInstance, ShardAssignment, ShardMap } from "./model.ts";
import type { CatalogRepository } from "./repository.ts";
import { checkEpoch, checkShards, chunks, normalizeDataFile, normalizeQuery } from "./validate.ts";

/** The key of the single shard_map_epoch row. */
const EPOCH_ROW = 1;

export class DrizzleCatalogRepository implements CatalogRepository {
  readonly dialect: "sqlite" | "postgres";

  constructor(private readonly driver: CatalogDriver) {
    this.dialect = driver.dialect;
  }

  // --- service registry ---------------------------------------------------------------

  async register(instance: ServiceInstance): Promise<void> {
    const { db, tables } = this.driver;
    // Listed field by field so that extra properties on `instance` never reach the database.
    const { id, role, address, capabilities, meta, startedAt, lastSeen } = instance;
    const row = { role, address, capabilities, meta, startedAt, lastSeen };
    await db
      .insert(tables.serviceInstances)
      .values({ id, ...row })
      .onConflictDoUpdate({ target: tables.serviceInstances.id, set: row });
  }

  async heartbeat(id: string, now: number): Promise<boolean> {
    const { db, tables } = this.driver;
    const t = tables.serviceInstances;
    const touched = await db.update(t).set({ lastSeen: now }).where(eq(t.id, id)).returning({ id: t.id });
    return touched.length > 0;
  }

  async deregister(id: string): Promise<void> {
    const { db, tables } = this.driver;
    await db.delete(tables.serviceInstances).where(eq(tables.serviceInstances.id, id));
  }

  async listLive(seenSince: number, role?: string): Promise<ServiceInstance[]> {
    const { db, tables } = this.driver;
    const t = tables.serviceInstances;
    const fresh = gte(t.lastSeen, seenSince);
    return db
      .select()
      .from(t)
      .where(role === undefined ? fresh : and(eq(t.role, role), fresh))
      .orderBy(asc(t.id));
  }

  async reap(seenBefore: number): Promise<number> {
    const { db, tables } = this.driver;
    const t = tables.serviceInstances;
    const gone = await db.delete(t).where(lt(t.lastSeen, seenBefore)).returning({ id: t.id });
    return gone.length;
  }

  // --- shard map ----------------------------------------------------------------------

  async shardMap(): Promise<ShardMap | null> {
    const { db, tables } = this.driver;
    const { shardMapEpoch: e, shards: s, shardReplicas: r } = tables;
    // One statement, hence one snapshot: never an epoch paired with another epoch's shards.
    const rows = await db
      .select({ epoch: e.epoch, shardId: s.id, instanceId: r.instanceId })
      .from(e)
      .leftJoin(s, sql`true`)
      .leftJoin(r, eq(r.shardId, s.id))
      .where(eq(e.id, EPOCH_ROW))
      .orderBy(asc(s.id), asc(r.rank));
    if (rows.length === 0) return null;
    const shards: ShardAssignment[] = [];
    for (const row of rows) {
      if (row.shardId === null) continue;
      let current = shards[shards.length - 1];
      if (current?.shardId !== row.shardId) {
        current = { shardId: row.shardId, replicas: [] };
        shards.push(current);
      }
      if (row.instanceId !== null) current.replicas.push(row.instanceId);
    }
    return { epoch: rows[0]!.epoch, shards };
  }

  async compareAndSetShardMap(expectedEpoch: number, shards: ShardAssignment[]): Promise<boolean> {
    checkEpoch(expectedEpoch);
    checkShards(shards);
    const epoch = expectedEpoch + 1;
    const { shardMapEpoch: e, shards: s, shardReplicas: r } = this.driver.tables;
    return this.driver.atomically(function* (db) {
      // The claim is a conditional write on the one epoch row: concurrent callers queue on
      // its row lock (PostgreSQL) or the database write lock (SQLite), and only the first
      // still finds the epoch it expected.
      const claimed =
        expectedEpoch === 0
          ? yield* run(db.insert(e).values({ id: EPOCH_ROW, epoch }).onConflictDoNothing().returning({ epoch: e.epoch }))
          : yield* run(
              db
                .update(e)
                .set({ epoch })
                .where(and(eq(e.id, EPOCH_ROW), eq(e.epoch, expectedEpoch)))
                .returning({ epoch: e.epoch }),
            );
      if (claimed.length === 0) return false;
      yield* run(db.delete(r));
      yield* run(db.delete(s));
      for (const part of chunks(shards)) {
        yield* run(db.insert(s).values(part.map(({ shardId }) => ({ id: shardId, epoch }))));
      }
      const replicaRows = shards.flatMap(({ shardId, replicas }) =>
        replicas.map((instanceId, rank) => ({ shardId, instanceId, rank })),
      );
      for (const part of chunks(replicaRows)) yield* run(db.insert(r).values(part));
      return true;
    });
  }

  // --- data-file manifest ---------------------------------------------------------------

  async addDataFile(file: DataFile): Promise<void> {
    const row = normalizeDataFile(file);
    const { dataFiles: f, persistedBatches: b } = this.driver.tables;
    await this.driver.atomically(function* (db) {
      const added = yield* run(db.insert(f).values(row).onConflictDoNothing({ target: f.path }).returning({ path: f.path }));
      // Already recorded: the file row and its batches were committed together, so nothing to do.
      if (added.length === 0) return;
      for (const part of chunks(row.batchIds)) {
        yield* run(
          db
            .insert(b)
            .values(part.map((batchId) => ({ batchId, path: row.path })))
            .onConflictDoNothing(),
        );
      }
    });
  }

  async listDataFiles(query: DataFileQuery): Promise<DataFile[]> {
    const q = normalizeQuery(query);
    if (q.shardIds !== undefined && q.shardIds.length === 0) return [];
    const { db, tables } = this.driver;
    const f = tables.dataFiles;
    const conditions: SQL[] = [eq(f.orgId, q.orgId), eq(f.bucket, q.bucket), eq(f.table, q.table)];
    // Overlap with [fromNs, toNs]: the file ends at or after `from` and starts at or before `to`.
    if (q.fromNs !== undefined) conditions.push(gte(f.maxTime, q.fromNs));
    if (q.toNs !== undefined) conditions.push(lte(f.minTime, q.toNs));
    if (q.shardIds !== undefined) conditions.push(inArray(f.shardId, q.shardIds));
    return db
      .select()
      .from(f)
      .where(and(...conditions))
      .orderBy(asc(f.minTime), asc(f.path));
  }

  async persistedBatches(batchIds: string[]): Promise<Set<string>> {
    const { db, tables } = this.driver;
    const b = tables.persistedBatches;
    const found = new Set<string>();
    for (const part of chunks([...new Set(batchIds)])) {
      const rows = await db.selectDistinct({ batchId: b.batchId }).from(b).where(inArray(b.batchId, part));
      for (const { batchId } of rows) found.add(batchId);
    }
    return found;
  }

  async removeDataFile(path: string): Promise<void> {
    const { dataFiles: f, persistedBatches: b } = this.driver.tables;
    await this.driver.atomically(function* (db) {
      yield* run(db.delete(b).where(eq(b.path, path)));
      yield* run(db.delete(f).where(eq(f.path, path)));
    });
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}
