/**
 * The Flight documents of the write path, shared by the roles that send batches (acceptor,
 * router, and writers copying batches to each other) and the role that stores them (writer).
 */
import { z } from "zod";
import { TABLE_NAMES, type TableName } from "../tables/index.ts";
import { FlightError } from "../flight/index.ts";

const tableName = z.enum(TABLE_NAMES as [TableName, ...TableName[]]);

/**
 * DoPut descriptor: one batch for one shard; `batch_id` makes the write idempotent.
 * `epoch` is the shard-map epoch the sender routed by: a writer refuses a batch for a shard
 * it does not own at that epoch, so a stale map is corrected instead of silently obeyed.
 * `replicas` names the writers the sender sent the same batch to (a receiver need not copy
 * it to them again).
 */
export const writeDescriptor = z.object({
  kind: z.literal("write"),
  org_id: z.string().min(1),
  bucket: z.string().min(1),
  table: tableName,
  batch_id: z.string().min(1),
  shard_id: z.number().int().min(0),
  epoch: z.number().int().min(0),
  replicas: z.array(z.string()).optional(),
});
export type WriteDescriptor = z.infer<typeof writeDescriptor>;

/** The writer's ack in PutResult.app_metadata. */
export const writeAck = z.object({ batch_id: z.string(), durable: z.literal(true), duplicate: z.boolean().optional() });
export type WriteAck = z.infer<typeof writeAck>;

/** DoGet ticket for the rows a writer has acknowledged but not yet flushed. */
export const liveTicket = z.object({
  kind: z.literal("live"),
  org_id: z.string().min(1),
  bucket: z.string().min(1),
  table: tableName,
  /** Only the batches holding this trace (trace by id); absent: every batch. */
  trace_id: z.string().min(1).optional(),
  /** Batch ids the asker already holds from this writer: not sent again. */
  have: z.array(z.string()).optional(),
  /**
   * Spans: send the dedicated attribute columns after the contract's (the asker searches
   * them). A writer that predates them ignores this and sends the contract's columns only.
   */
  dedicated: z.boolean().optional(),
});
export type LiveTicket = z.infer<typeof liveTicket>;

/**
 * Schema metadata of a live answer without `trace_id`: the JSON list of every batch id the
 * writer holds for the ticket's scope, sent or not — a held batch missing from it was flushed.
 */
export const LIVE_BATCH_IDS_KEY = "signalbox.live_batch_ids";

/** A live batch is one write: every row carries its batch id (undefined for no rows). */
export function liveBatchId(batch: { numRows: number; getChild(name: string): { get(i: number): unknown } | null }): string | undefined {
  if (batch.numRows === 0) return undefined;
  const id = batch.getChild("batch_id")?.get(0);
  return typeof id === "string" ? id : undefined;
}

/** DoAction `shard-map`: the map the writer routes by (its latest view of the catalog's). */
export const SHARD_MAP_ACTION = "shard-map";
export const shardMapDocument = z.object({
  epoch: z.number().int().min(0),
  shards: z.array(z.object({ shardId: z.number().int().min(0), replicas: z.array(z.string()) })),
});
export type ShardMapDocument = z.infer<typeof shardMapDocument>;

/** The fact of a refused write that carries the refusing writer's shard-map epoch. */
export const WRITER_EPOCH_FACT = "signalbox-writer-epoch";

/**
 * A write refused because sender and writer route by different shard maps: FAILED_PRECONDITION
 * carrying the writer's epoch as a fact, so the sender knows how new a map it must fetch.
 */
export function staleMapError(writer: string, epoch: number, reason: string): FlightError {
  return new FlightError("FAILED_PRECONDITION", `writer ${writer} at epoch ${epoch}: ${reason}`, {
    facts: { [WRITER_EPOCH_FACT]: String(epoch) },
  });
}

/** The refusing writer's epoch, when `error` is a stale-map refusal. */
export function writerEpochOf(error: FlightError): number | undefined {
  const text = error.facts[WRITER_EPOCH_FACT];
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}
