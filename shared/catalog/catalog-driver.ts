/**
 * What the shared repository needs from a dialect: a Drizzle database, the tables, and a
 * way to run a short transaction.
 *
 * The repository is written once against Drizzle's pg-core types. The SQLite driver hands
 * in its bun:sqlite database and `sqliteTable`s under those types: the query-builder calls
 * used (select/insert/update/delete, onConflict*, returning, joins) have the same shape and
 * SQL in both dialects, `schema-check.ts` proves the rows are identical, and the
 * conformance suite runs every method on both.
 *
 * Transactions are the one real difference: bun:sqlite's are synchronous (an async callback
 * would commit at its first await). So a transaction body is a generator that *yields* each
 * statement: the SQLite driver executes them synchronously inside `BEGIN IMMEDIATE`, the
 * PostgreSQL driver awaits them inside `BEGIN`. One body, both dialects, no await inside a
 * SQLite transaction.
 */
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type * as tables from "./schema.pg.ts";

export type CatalogDb = PgDatabase<PgQueryResultHKT>;
export type CatalogTables = typeof tables;

/** A built (not yet executed) Drizzle query. */
export type Statement = PromiseLike<unknown>;

/** A transaction body: yields statements, receives each one's result, returns a value. */
export type AtomicWork<T> = (db: CatalogDb) => Generator<Statement, T, unknown>;

export interface CatalogDriver {
  readonly dialect: "sqlite" | "postgres";
  readonly db: CatalogDb;
  readonly tables: CatalogTables;
  /** Runs `work` in one transaction that serialises with other writers (across processes). */
  atomically<T>(work: AtomicWork<T>): Promise<T>;
  close(): Promise<void>;
}

/** Inside an AtomicWork: `const rows = yield* run(db.select()...)` — typed as if awaited. */
export function* run<T>(statement: PromiseLike<T>): Generator<Statement, T, unknown> {
  return (yield statement) as T;
}

/** Drives a transaction body synchronously: `execute` runs one statement and returns its result. */
export function driveSync<T>(work: Generator<Statement, T, unknown>, execute: (s: Statement) => unknown): T {
  let next = work.next();
  while (!next.done) next = work.next(execute(next.value));
  return next.value;
}

/** Drives a transaction body asynchronously, awaiting each statement in turn. */
export async function driveAsync<T>(work: Generator<Statement, T, unknown>): Promise<T> {
  let next = work.next();
  while (!next.done) next = work.next(await next.value);
  return next.value;
}
