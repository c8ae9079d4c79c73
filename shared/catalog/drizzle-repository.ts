/**
 * The CatalogRepository, written once for both dialects (see catalog-driver.ts for how).
 * Every method is one statement or one short `atomically` transaction.
 */
import { and, asc, eq, getTableColumns, gt, gte, inArray, lt, lte, sql, type SQL } from "drizzle-orm";
import { type CatalogDb, type CatalogDriver, type CatalogTables, run } from "./catalog-driver.ts";
import { CatalogError } from "./errors.ts";
import type {
  DataFile, DataFileQuery, ManifestDelta, ManifestReplacement, ManifestScope, ManifestSummary, RetiredFile, ServiceInstance, ShardAssignment, ShardMap,
} from "./model.ts";
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
    const tables = this.driver.tables;
    await this.driver.atomically((db) => recordFile(db, tables, row));
  }

  async replaceDataFiles(change: ManifestReplacement): Promise<boolean> {
    const output = change.add === null ? null : normalizeDataFile(change.add);
    const remove = [...new Set(change.remove)];
    if (remove.length === 0) throw new CatalogError("invalid_argument", "replaceDataFiles: nothing to remove");
    const tables = this.driver.tables;
    const { dataFiles: f, persistedBatches: b, retiredFiles: r } = tables;
    try {
      await this.driver.atomically(function* (db) {
        const gone: Array<{ path: string; orgId: string; bucket: string; table: string; bytes: number }> = [];
        for (const part of chunks(remove)) {
          yield* run(db.delete(b).where(inArray(b.path, part)));
          gone.push(
            ...(yield* run(
              db.delete(f).where(inArray(f.path, part)).returning({ path: f.path, orgId: f.orgId, bucket: f.bucket, table: f.table, bytes: f.bytes }),
            )),
          );
        }
        // Another compactor, or retention, changed these files first: this change is void.
        if (gone.length !== remove.length) throw new StaleReplacement();
        for (const part of chunks(gone)) {
          yield* run(db.insert(r).values(part.map((g) => ({ ...g, retiredAt: change.at, reason: change.reason }))).onConflictDoNothing());
        }
        for (const scope of distinctScopes(gone)) {
          // Raised before the new file is recorded, so its generation is above the removal's.
          if (output === null || !sameScope(scope, output)) yield* raiseGeneration(db, tables, scope, true);
        }
        if (output !== null) yield* recordFile(db, tables, output, sameScopeIn(gone, output));
      });
      return true;
    } catch (error) {
      if (error instanceof StaleReplacement) return false;
      throw error;
    }
  }

  async retiredFiles(before: number, limit = 1_000): Promise<RetiredFile[]> {
    const { db, tables } = this.driver;
    const r = tables.retiredFiles;
    return db.select().from(r).where(lte(r.retiredAt, before)).orderBy(asc(r.retiredAt), asc(r.path)).limit(limit);
  }

  async forgetRetiredFiles(paths: string[]): Promise<void> {
    const { db, tables } = this.driver;
    const r = tables.retiredFiles;
    for (const part of chunks([...new Set(paths)])) await db.delete(r).where(inArray(r.path, part));
  }

  async untrackedPaths(paths: string[]): Promise<Set<string>> {
    const { db, tables } = this.driver;
    const { dataFiles: f, retiredFiles: r } = tables;
    const untracked = new Set(paths);
    for (const part of chunks([...untracked])) {
      for (const { path } of await db.select({ path: f.path }).from(f).where(inArray(f.path, part))) untracked.delete(path);
      for (const { path } of await db.select({ path: r.path }).from(r).where(inArray(r.path, part))) untracked.delete(path);
    }
    return untracked;
  }

  async listManifestScopes(): Promise<ManifestScope[]> {
    const { db, tables } = this.driver;
    const m = tables.manifestScopes;
    return db
      .select({ orgId: m.orgId, bucket: m.bucket, table: m.table })
      .from(m)
      .orderBy(asc(m.orgId), asc(m.bucket), asc(m.table));
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
      .select(dataFileColumns(tables))
      .from(f)
      .where(and(...conditions))
      .orderBy(asc(f.minTime), asc(f.path));
  }

  async manifestSummary(): Promise<ManifestSummary[]> {
    const { db, tables } = this.driver;
    const f = tables.dataFiles;
    return db
      .select({
        orgId: f.orgId,
        bucket: f.bucket,
        table: f.table,
        files: sql<number>`count(*)`.mapWith(Number),
        bytes: sql<number>`sum(${f.bytes})`.mapWith(Number),
        rows: sql<number>`sum(${f.rows})`.mapWith(Number),
        minTime: sql<string>`min(${f.minTime})`.mapWith(f.minTime),
        maxTime: sql<string>`max(${f.maxTime})`.mapWith(f.maxTime),
      })
      .from(f)
      .groupBy(f.orgId, f.bucket, f.table)
      .orderBy(asc(f.orgId), asc(f.bucket), asc(f.table));
  }

  async manifestSince(scope: ManifestScope, since: number): Promise<ManifestDelta> {
    const { db, tables } = this.driver;
    const { manifestScopes: m, dataFiles: f } = tables;
    const [state] = await db
      .select({ generation: m.generation, lastRemoval: m.lastRemoval })
      .from(m)
      .where(and(eq(m.orgId, scope.orgId), eq(m.bucket, scope.bucket), eq(m.table, scope.table)));
    const generation = state?.generation ?? 0;
    const complete = since <= 0 || since > generation || (state?.lastRemoval ?? 0) > since;
    if (!complete && since === generation) return { generation, complete, files: [] };
    const inScope = and(eq(f.orgId, scope.orgId), eq(f.bucket, scope.bucket), eq(f.table, scope.table));
    const files = await db
      .select(dataFileColumns(tables))
      .from(f)
      .where(complete ? inScope : and(inScope, gt(f.generation, since)))
      .orderBy(asc(f.minTime), asc(f.path));
    return { generation, complete, files };
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
    const tables = this.driver.tables;
    const { dataFiles: f, persistedBatches: b } = tables;
    await this.driver.atomically(function* (db) {
      yield* run(db.delete(b).where(eq(b.path, path)));
      const removed = yield* run(db.delete(f).where(eq(f.path, path)).returning({ orgId: f.orgId, bucket: f.bucket, table: f.table }));
      if (removed[0]) yield* raiseGeneration(db, tables, removed[0], true);
    });
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}

/** A DataFile's columns (a file row also has its generation, which stays in the catalog). */
function dataFileColumns(tables: CatalogTables) {
  const { generation: _, ...columns } = getTableColumns(tables.dataFiles);
  return columns;
}

/** Thrown inside a replacement transaction to roll it back: its inputs are no longer all recorded. */
class StaleReplacement extends Error {}

/**
 * Records a file and its batch ids and raises its scope's generation (with `removal`, as a
 * removal too: a compaction's output lands in the scope its inputs left); recording a path
 * already recorded is a no-op.
 */
function* recordFile(db: CatalogDb, tables: CatalogTables, row: DataFile, removal = false) {
  const { dataFiles: f, persistedBatches: b } = tables;
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
  // Last: the scope row's lock (held to commit) then orders concurrent recorders'
  // generations as their commits, so a reader that sees generation g sees every file up to g.
  const generation = yield* raiseGeneration(db, tables, row, removal);
  yield* run(db.update(f).set({ generation }).where(eq(f.path, row.path)));
}

function sameScope(a: ManifestScope, b: ManifestScope): boolean {
  return a.orgId === b.orgId && a.bucket === b.bucket && a.table === b.table;
}

function sameScopeIn(scopes: readonly ManifestScope[], scope: ManifestScope): boolean {
  return scopes.some((s) => sameScope(s, scope));
}

function distinctScopes(scopes: readonly ManifestScope[]): ManifestScope[] {
  const out: ManifestScope[] = [];
  for (const s of scopes) if (!sameScopeIn(out, s)) out.push({ orgId: s.orgId, bucket: s.bucket, table: s.table });
  return out;
}

/** Raises a scope's manifest generation by one (its first file: 1) and returns it. */
function* raiseGeneration(db: CatalogDb, tables: CatalogTables, scope: ManifestScope, removal: boolean) {
  const m = tables.manifestScopes;
  const next = sql`${m.generation} + 1`;
  const [row] = yield* run(
    db
      .insert(m)
      .values({ orgId: scope.orgId, bucket: scope.bucket, table: scope.table, generation: 1, lastRemoval: removal ? 1 : 0 })
      .onConflictDoUpdate({ target: [m.orgId, m.bucket, m.table], set: removal ? { generation: next, lastRemoval: next } : { generation: next } })
      .returning({ generation: m.generation }),
  );
  return row!.generation;
}
