/**
 * What a writer answers to a live-rows DoGet (shared/writepath LiveTicket). A querier keeps
 * the batches it received (they never change) and names them in `have`: only newer batches
 * travel again, and the schema metadata lists every batch still held, so the querier drops
 * the ones flushed since. A trace-by-id ticket gets the batches holding the trace, no list.
 */
import { Schema, type RecordBatch } from "apache-arrow";
import { TABLE_SCHEMAS, withDedicatedSchema } from "../../shared/tables/index.ts";
import { LIVE_BATCH_IDS_KEY, type LiveTicket } from "../../shared/writepath/index.ts";
import type { LiveBuffer, LiveEntry } from "./live-buffer.ts";

export interface LiveAnswer {
  schema: Schema;
  batches: RecordBatch[];
}

export function liveAnswer(buffer: LiveBuffer, ticket: LiveTicket): LiveAnswer {
  const entries = buffer.entries(ticket.org_id, ticket.bucket, ticket.table, ticket.trace_id);
  const dedicated = ticket.dedicated === true && ticket.table === "traces";
  const table = dedicated ? withDedicatedSchema(TABLE_SCHEMAS.traces) : TABLE_SCHEMAS[ticket.table];
  const form = (e: LiveEntry) => (dedicated ? e.dedicatedBatch : e.batch);
  if (ticket.trace_id !== undefined) return { schema: table, batches: entries.map(form) };
  const have = new Set(ticket.have ?? []);
  const ids = JSON.stringify(entries.map((e) => e.batchId));
  return {
    schema: new Schema(table.fields, new Map([[LIVE_BATCH_IDS_KEY, ids]])),
    batches: entries.filter((e) => !have.has(e.batchId)).map(form),
  };
}
