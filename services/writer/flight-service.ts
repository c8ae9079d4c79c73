/**
 * The writer's Flight surface: DoPut stores a batch durably (WAL fsync) before acking —
 * plain or in the wire form (shared/tables/wire-form.ts) —
 * only for a shard this writer holds at the sender's map epoch; DoGet serves the live
 * (unflushed) rows of one org/bucket/table; DoAction runs control actions (`flush`,
 * `health`, `shard-map`, `sync`, `quarantine`).
 */
import type { RecordBatch } from "apache-arrow";
import { FlightError, receivedIpcOf, withSchema, type FlightHandlers } from "../../shared/flight/index.ts";
import type { Logger } from "../../shared/log/index.ts";
import type { MetricsRegistry } from "../../shared/metrics/index.ts";
import { OmittedColumnsError, restoreOmitted, wireSchemaProblem, type TableName } from "../../shared/tables/index.ts";
import { liveTicket, SHARD_MAP_ACTION, writeDescriptor, type ShardMapDocument, type WriteAck } from "../../shared/writepath/index.ts";
import type { Flusher } from "./flusher.ts";
import { liveAnswer } from "./live-answer.ts";
import type { LiveBuffer } from "./live-buffer.ts";
import type { Quarantine } from "./quarantine.ts";
import type { ReplicaSync } from "./replica-sync.ts";
import type { ShardOwnership } from "./shard-ownership.ts";
import { WalUnavailableError, type WriteAheadLog } from "./wal/index.ts";

export interface WriterServiceDeps {
  buffer: LiveBuffer;
  wal: WriteAheadLog;
  flusher: Flusher;
  quarantine: Quarantine;
  log: Logger;
  metrics: MetricsRegistry;
  ownership: ShardOwnership;
  sync: ReplicaSync;
}

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { message: string } } }, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new FlightError("INVALID_ARGUMENT", `bad ${what}: ${result.error.message}`);
  return result.data;
}

/** A received batch in the wire form, its omitted columns back (shared/tables/omitted-columns.ts). */
function restoredBatch(batch: RecordBatch, table: TableName): RecordBatch {
  try {
    return restoreOmitted(batch, table);
  } catch (err) {
    if (err instanceof OmittedColumnsError) throw new FlightError("INVALID_ARGUMENT", err.message);
    throw err;
  }
}

export function writerHandlers(deps: WriterServiceDeps): FlightHandlers {
  const walSeconds = deps.metrics.histogram("signalbox_writer_wal_append_seconds", "WAL append including fsync");
  const putRows = deps.metrics.counter("signalbox_writer_rows_total", "rows acknowledged durable", ["table"]);
  return {
    async doPut(descriptor, batches) {
      const d = parse(writeDescriptor, descriptor, "write descriptor");
      await deps.ownership.checkWrite(d.shard_id, d.epoch);
      const received: RecordBatch[] = [];
      for await (const batch of batches) received.push(batch);
      if (received.length !== 1) throw new FlightError("INVALID_ARGUMENT", `a write carries exactly one record batch, got ${received.length}`);
      const batch = restoredBatch(received[0]!, d.table);
      const problem = wireSchemaProblem(batch.schema, d.table);
      if (problem) throw new FlightError("INVALID_ARGUMENT", problem);
      // Already held, persisted, or quarantined (a replica's copy of a batch this writer set
      // aside must not bring it back): durable either way.
      if (deps.buffer.has(d.org_id, d.bucket, d.table, d.batch_id) || deps.buffer.wasFlushed(d.batch_id) || deps.quarantine.has(d.batch_id)) {
        return { batch_id: d.batch_id, durable: true, duplicate: true } satisfies WriteAck;
      }
      // The batch stays in the form it arrived in (usually the wire form, with dictionaries):
      // the WAL writes the very IPC bytes received, the live buffer expands it when read.
      // The narrow form's omitted columns are restored here, but the WAL still writes the bytes received.
      const entry = { batchId: d.batch_id, orgId: d.org_id, bucket: d.bucket, table: d.table, shardId: d.shard_id, batch, ipc: receivedIpcOf(received[0]!) };
      const started = performance.now();
      deps.sync.noteReceived(d.batch_id, d.replicas);
      await deps.wal.append(entry).catch((err: unknown) => {
        // Not a refusal of this batch: the writer cannot store anything now (full disk).
        // RESOURCE_EXHAUSTED, not UNAVAILABLE: the writer is alive and must not be suspected.
        if (err instanceof WalUnavailableError) throw new FlightError("RESOURCE_EXHAUSTED", err.message);
        throw err;
      });
      walSeconds.since(started);
      deps.buffer.add(entry);
      putRows.inc({ table: d.table }, batch.numRows);
      deps.flusher.noteWrite();
      return { batch_id: d.batch_id, durable: true } satisfies WriteAck;
    },

    doGet(ticket) {
      const answer = liveAnswer(deps.buffer, parse(liveTicket, ticket, "live ticket"));
      return withSchema(answer.schema, answer.batches);
    },

    async doAction(type) {
      switch (type) {
        case "flush": {
          const files = await deps.flusher.flush("action");
          return { files: files.map((f) => ({ path: f.path, rows: f.rows })) };
        }
        case "health":
          return {
            ok: true,
            live_rows: deps.buffer.rows,
            live_batches: deps.buffer.batches,
            epoch: deps.ownership.epoch,
            replication_pending: deps.sync.pendingCopies,
            synced_epoch: deps.sync.syncedEpoch,
            quarantined_batches: deps.quarantine.list().length,
          };
        case SHARD_MAP_ACTION: {
          const map = deps.ownership.current;
          return { epoch: map?.epoch ?? 0, shards: [...(map?.shards ?? [])] } satisfies ShardMapDocument;
        }
        case "sync": {
          await deps.sync.runOnce();
          return { replication_pending: deps.sync.pendingCopies, live_batches: deps.buffer.batches };
        }
        case "quarantine":
          return { dir: deps.quarantine.dir, batches: deps.quarantine.list() };
        default:
          throw new FlightError("INVALID_ARGUMENT", `unknown action ${JSON.stringify(type)} (flush, health, shard-map, sync, quarantine)`);
      }
    },

    listActions: () => [
      { type: "flush", description: "write the live buffer to Parquet now" },
      { type: "health", description: "liveness, live-buffer size, map epoch, copies owed to replicas" },
      { type: SHARD_MAP_ACTION, description: "the shard map this writer routes by ({epoch, shards})" },
      { type: "sync", description: "release persisted replica batches and copy owed ones now" },
      { type: "quarantine", description: "batches set aside because no Parquet file can hold them (id, org, table, reason, Arrow file)" },
    ],
  };
}
