/**
 * The catalog in PostgreSQL. Must match `schema.sqlite.ts` row for row — see
 * `schema-check.ts`. Times are epoch ms as bigint (read as JS numbers); ns times are
 * bigint read as decimal strings.
 */
import { sql } from "drizzle-orm";
import { bigint, check, customType, index, integer, jsonb, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { normalizeNs } from "./ns-time.ts";

const epochMs = (name: string) => bigint(name, { mode: "number" });
/** ns since the epoch: decimal string in JS, bigint on disk (postgres.js reads int8 as text). */
const nsTime = customType<{ data: string; driverData: string }>({
  dataType: () => "bigint",
  toDriver: (value) => normalizeNs(value),
  fromDriver: (value) => String(value),
});

export const serviceInstances = pgTable(
  "service_instances",
  {
    id: text("id").primaryKey(),
    role: text("role").notNull(),
    address: text("address").notNull(),
    capabilities: jsonb("capabilities").$type<string[]>().notNull(),
    meta: jsonb("meta").$type<Record<string, unknown>>().notNull(),
    startedAt: epochMs("started_at").notNull(),
    lastSeen: epochMs("last_seen").notNull(),
  },
  (t) => [index("service_instances_role_last_seen_idx").on(t.role, t.lastSeen), index("service_instances_last_seen_idx").on(t.lastSeen)],
);

/** One row (id = 1): the epoch of the stored shard map, the target of compare-and-set. */
export const shardMapEpoch = pgTable(
  "shard_map_epoch",
  {
    id: integer("id").primaryKey(),
    epoch: integer("epoch").notNull(),
  },
  (t) => [check("shard_map_epoch_single_row", sql`${t.id} = 1`)],
);

export const shards = pgTable("shards", {
  id: integer("id").primaryKey(),
  /** The map epoch this row was written at. */
  epoch: integer("epoch").notNull(),
});

export const shardReplicas = pgTable(
  "shard_replicas",
  {
    shardId: integer("shard_id")
      .notNull()
      .references(() => shards.id, { onDelete: "cascade" }),
    instanceId: text("instance_id").notNull(),
    /** 0 = primary. */
    rank: integer("rank").notNull(),
  },
  (t) => [primaryKey({ columns: [t.shardId, t.rank] }), index("shard_replicas_instance_idx").on(t.instanceId)],
);

export const dataFiles = pgTable(
  "data_files",
  {
    path: text("path").primaryKey(),
    orgId: text("org_id").notNull(),
    bucket: text("bucket").notNull(),
    table: text("table").notNull(),
    shardId: integer("shard_id").notNull(),
    minTime: nsTime("min_time").notNull(),
    maxTime: nsTime("max_time").notNull(),
    rows: bigint("rows", { mode: "number" }).notNull(),
    bytes: bigint("bytes", { mode: "number" }).notNull(),
    batchIds: jsonb("batch_ids").$type<string[]>().notNull(),
    createdAt: epochMs("created_at").notNull(),
    /** The scope's manifest generation this file was recorded at (manifest_scopes); 0 = before generations. */
    generation: integer("generation").notNull().default(0),
  },
  (t) => [
    index("data_files_scope_time_idx").on(t.orgId, t.bucket, t.table, t.minTime, t.maxTime),
    index("data_files_scope_generation_idx").on(t.orgId, t.bucket, t.table, t.generation),
  ],
);

/**
 * One row per (org, bucket, table) with files: a counter raised in the transaction that
 * records or removes one of its files, so a reader can tell in one row lookup whether the
 * manifest changed since it last listed it, and fetch only the files added since.
 */
export const manifestScopes = pgTable(
  "manifest_scopes",
  {
    orgId: text("org_id").notNull(),
    bucket: text("bucket").notNull(),
    table: text("table").notNull(),
    generation: integer("generation").notNull(),
    /** The generation of the last removal: a reader that listed before it must list everything again. */
    lastRemoval: integer("last_removal").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.bucket, t.table] })],
);

/**
 * batch id → file holding it, so `persistedBatches()` is an index lookup. Keyed by
 * (batch_id, path): a batch may sit in two files for a while (compaction, a failover
 * re-flush), and removing one of them must not forget the other.
 */
export const persistedBatches = pgTable(
  "persisted_batches",
  {
    batchId: text("batch_id").notNull(),
    path: text("path")
      .notNull()
      .references(() => dataFiles.path, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.batchId, t.path] }), index("persisted_batches_path_idx").on(t.path)],
);

/**
 * Files taken out of the manifest (compacted into another, or past retention) whose storage
 * objects are still there: queries that listed the manifest before keep reading them until
 * `compaction.delete_grace` has passed, then the writer deletes them and the row. Recorded
 * in the same transaction that removes the data_files row, so a file is always either in
 * the manifest, here, or an orphan the sweep may delete.
 */
export const retiredFiles = pgTable(
  "retired_files",
  {
    path: text("path").primaryKey(),
    orgId: text("org_id").notNull(),
    bucket: text("bucket").notNull(),
    table: text("table").notNull(),
    bytes: bigint("bytes", { mode: "number" }).notNull(),
    retiredAt: epochMs("retired_at").notNull(),
    /** compacted | expired */
    reason: text("reason").notNull(),
  },
  (t) => [index("retired_files_retired_at_idx").on(t.retiredAt)],
);
