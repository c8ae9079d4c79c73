/** What a Flight server does with each call: the application's side of the contract. */
import type { RecordBatch, Schema, Table } from "apache-arrow";
import type { CallContext } from "./call-context.ts";

/**
 * Batches for DoGet. A Table is sent batch by batch. Any source carrying a `schema`
 * (Table, RecordBatchReader, `withSchema(...)`) sends the Schema message first, so an empty
 * answer still tells the client its columns.
 */
export type BatchSource = Table | AsyncIterable<RecordBatch> | Iterable<RecordBatch>;

export interface ActionType {
  type: string;
  description: string;
}

export interface FlightHandlers {
  /**
   * DoPut. `descriptor` is the parsed JSON of FlightDescriptor.cmd. The returned value is
   * sent back as ONE PutResult whose app_metadata is its JSON (e.g. `{batch_id, durable}`).
   */
  doPut?(descriptor: unknown, batches: AsyncIterable<RecordBatch>, ctx: CallContext): Promise<unknown>;
  /** DoGet. `ticket` is the parsed JSON of Ticket.ticket. */
  doGet?(ticket: unknown, ctx: CallContext): BatchSource | Promise<BatchSource>;
  /** DoAction. `body` is the parsed JSON of Action.body; the result is ONE Result (JSON body). */
  doAction?(type: string, body: unknown, ctx: CallContext): Promise<unknown>;
  /** ListActions; none listed when absent. */
  listActions?(): ActionType[];
}

/** Attaches a schema to a batch source so an empty stream still carries it. */
export function withSchema(
  schema: Schema,
  batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>,
): AsyncIterable<RecordBatch> & { schema: Schema } {
  return {
    schema,
    async *[Symbol.asyncIterator]() {
      yield* batches;
    },
  };
}
