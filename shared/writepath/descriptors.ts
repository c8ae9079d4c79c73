/**
 * The Flight documents of the write path, shared by the roles that send batches (acceptor,
 * router) and the role that stores them (writer).
 */
import { z } from "zod";
import { TABLE_NAMES, type TableName } from "../signals/tables.ts";

const tableName = z.enum(TABLE_NAMES as [TableName, ...TableName[]]);

/** DoPut descriptor: one batch for one shard; `batch_id` makes the write idempotent. */
export const writeDescriptor = z.object({
  kind: z.literal("write"),
  org_id: z.string().min(1),
  bucket: z.string().min(1),
  table: tableName,
  batch_id: z.string().min(1),
  shard_id: z.number().int().min(0),
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
});
export type LiveTicket = z.infer<typeof liveTicket>;
