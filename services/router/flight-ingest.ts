/**
 * The router's Flight DoPut, for clients that already have Arrow: the batch is validated
 * against its table's schema and its times against what a file can record (as the acceptor
 * validates OTLP), and written through the same replicated write path as OTLP.
 */
import type { RecordBatch } from "apache-arrow";
import { z } from "zod";
import { FlightError, type FlightHandlers } from "../../shared/flight/index.ts";
import { storedTimeProblem, TABLE_NAMES, TABLE_SCHEMAS, type TableName } from "../../shared/tables/index.ts";
import { IngestLimits, LimitExceededError } from "../../shared/limits/index.ts";
import { WriteUnavailableError, type ReplicatedWriter } from "../../shared/writepath/index.ts";

const ingestDescriptor = z.object({
  kind: z.literal("ingest"),
  org_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/),
  bucket: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/).default("default"),
  table: z.enum(TABLE_NAMES as [TableName, ...TableName[]]),
});

/**
 * The client names each batch in its `batch_id` column (the same value on every row): a
 * retried put of the same batch is then stored once.
 */
function uniformBatchId(batch: RecordBatch): string {
  const column = batch.getChild("batch_id");
  const first = batch.numRows > 0 ? column?.get(0) : undefined;
  if (typeof first !== "string" || first === "") throw new FlightError("INVALID_ARGUMENT", "every row needs a non-empty batch_id");
  for (let i = 1; i < batch.numRows; i++) {
    if (column!.get(i) !== first) throw new FlightError("INVALID_ARGUMENT", "all rows of one record batch must share one batch_id");
  }
  return first;
}

export interface RouterIngestDeps {
  writer: () => ReplicatedWriter | undefined;
  writeTimeoutMs: number;
  /** The org's ingest rate and request size, charged with each batch's Arrow buffer bytes. */
  limits: IngestLimits;
}

export function routerIngestHandlers(deps: RouterIngestDeps): FlightHandlers {
  return {
    async doPut(raw, batches, ctx) {
      const writer = deps.writer();
      if (!writer) throw new FlightError("UNAVAILABLE", "router is starting");
      const parsed = ingestDescriptor.safeParse(raw);
      if (!parsed.success) throw new FlightError("INVALID_ARGUMENT", `bad ingest descriptor: ${parsed.error.message}`);
      const d = parsed.data;
      const expected = TABLE_SCHEMAS[d.table].fields.map((f) => f.name).join(",");
      const batchIds: string[] = [];
      const deadline = Math.min(ctx.deadline ?? Infinity, Date.now() + deps.writeTimeoutMs);
      for await (const batch of batches) {
        if (batch.schema.fields.map((f) => f.name).join(",") !== expected) {
          throw new FlightError("INVALID_ARGUMENT", `batch columns do not match table ${d.table}`);
        }
        const batchId = uniformBatchId(batch);
        const timeProblem = storedTimeProblem(batch, d.table);
        if (timeProblem) throw new FlightError("INVALID_ARGUMENT", `batch ${batchId} refused: ${timeProblem}`);
        const bytes = batch.data.byteLength;
        admit(deps.limits, d.org_id, bytes);
        try {
          await writer.write({ orgId: d.org_id, bucket: d.bucket, table: d.table, batchId, batch, deadline });
        } catch (err) {
          if (err instanceof WriteUnavailableError) {
            deps.limits.refund(d.org_id, bytes); // our outage: the retry must not find the org throttled
            throw new FlightError("UNAVAILABLE", err.message);
          }
          throw err;
        }
        batchIds.push(batchId);
      }
      return { batch_ids: batchIds, durable: true };
    },
  };
}

/** Over the rate: RESOURCE_EXHAUSTED with RetryInfo; a batch that can never fit: without. */
function admit(limits: IngestLimits, orgId: string, bytes: number): void {
  try {
    limits.admit(orgId, bytes);
  } catch (err) {
    if (!(err instanceof LimitExceededError)) throw err;
    throw new FlightError("RESOURCE_EXHAUSTED", err.message, { retryAfterMs: err.retryAfterMs });
  }
}
