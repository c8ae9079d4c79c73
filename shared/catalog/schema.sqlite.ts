/**
 * The catalog in SQLite (bun:sqlite). Must match `schema.pg.ts` row for row — see
 * `schema-check.ts`. Times are epoch ms integers; ns times use a sortable text form.
 */
import { sql } from "drizzle-orm";
import { check, customType, index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { nsFromSortableText, nsToSortableText } from "./ns-time.ts";

/** ns since the epoch: decimal string in JS, zero-padded text on disk (orders numerically). */
const nsTime = customType<{ data: string; driverData: string }>({
  dataType: () => "text",
  toDriver: nsToSortableText,
  fromDriver: nsFromSortableText,
});

export const serviceInstances = sqliteTable(
  "service_instances",
  {
    id: text("id").primaryKey(),
    role: text("role").notNull(),
    address: text("address").notNull(),
    capabilities: text("capabilities", { mode: "json" }).$type<string[]>().notNull(),
    meta: text("meta", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    startedAt: integer("started_at").notNull(),
    lastSeen: integer("last_seen").notNull(),
  },
  (t) => [index("service_instances_role_last_seen_idx").on(t.role, t.lastSeen), index("service_instances_last_seen_idx").on(t.lastSeen)],
);

/** One row (id = 1): the epoch of the stored shard map, the target of compare-and-set. */
export const shardMapEpoch = sqliteTable(
  "shard_map_epoch",
  {
    id: integer("id").notNull(),
    epoch: integer("epoch").notNull(),
  },
  (t) => [primaryKey({ columns: [t.id] }), check("shard_map_epoch_single_row", sql`${t.id} = 1`)],
);

/*
 * Integer keys are declared as table-level primary keys: a column-level INTEGER PRIMARY KEY
 * would make Drizzle treat the id as an optional rowid on insert, unlike PostgreSQL.
 */
export const shards = sqliteTable(
  "shards",
  {
    id: integer("id").notNull(),
    /** The map epoch this row was written at. */
    epoch: integer("epoch").notNull(),
  },
  (t) => [primaryKey({ columns: [t.id] })],
);

export const shardReplicas = sqliteTable(
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

export const dataFiles = sqliteTable(
  "data_files",
  {
    path: text("path").primaryKey(),
    orgId: text("org_id").notNull(),
    bucket: text("bucket").notNull(),
    table: text("table").notNull(),
    shardId: integer("shard_id").notNull(),
    minTime: nsTime("min_time").notNull(),
    maxTime: nsTime("max_time").notNull(),
    rows: integer("rows").notNull(),
    bytes: integer("bytes").notNull(),
    batchIds: text("batch_ids", { mode: "json" }).$type<string[]>().notNull(),
    createdAt: integer("created_at").notNull(),
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
export const manifestScopes = sqliteTable(
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
export const persistedBatches = sqliteTable(
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
export const retiredFiles = sqliteTable(
  "retired_files",
  {
    path: text("path").primaryKey(),
    orgId: text("org_id").notNull(),
    bucket: text("bucket").notNull(),
    table: text("table").notNull(),
    bytes: integer("bytes").notNull(),
    retiredAt: integer("retired_at").notNull(),
    /** compacted | expired */
    reason: text("reason").notNull(),
  },
  (t) => [index("retired_files_retired_at_idx").on(t.retiredAt)],
);
