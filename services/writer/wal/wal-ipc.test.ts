import { afterEach, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RecordBatch } from "apache-arrow";
import { FlightDataEncoder, decodeFlightData, receivedIpcOf } from "../../../shared/flight/index.ts";
import { deserializeFlightData, isParted, serializeFlightData } from "../../../shared/flight/flight-data-codec.ts";
import type { FlightDataMessage } from "../../../shared/flight/proto.ts";
import { createLogger } from "../../../shared/log/index.ts";
import { restoreOmitted, tracesSchema } from "../../../shared/tables/index.ts";
import { decodeExport } from "../../../shared/otlp/index.ts";
import { decodeRemoteWrite, snappyCompress } from "../../../shared/remote-write/index.ts";
import { encodeSeriesSlices } from "../../../test/helpers/remote-write-encode.ts";
import { makeSpanBatch } from "../../../test/helpers/wal-batches.ts";
import { decodeRecord, encodeRecord, encodeRecordParts, FRAME_HEADER_BYTES, type WalEntry } from "./record.ts";
import { WriteAheadLog } from "./wal.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../../test/helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const log = createLogger({ level: "error", sink: () => undefined });
let dir: string;
beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), "sbx-wal-ipc-"))));
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A batch as the writer's DoPut receives it: through the Flight codec, remembering its IPC messages. */
async function received(batch: RecordBatch): Promise<RecordBatch> {
  const wire = new FlightDataEncoder().encode(batch).map((m) => deserializeFlightData(serializeFlightData(m)));
  async function* source(): AsyncGenerator<FlightDataMessage> {
    yield* wire;
  }
  for await (const b of decodeFlightData(source())) return b;
  throw new Error("no batch");
}

/** A batch as an in-process DoPut delivers it: the encoder's messages, bodies still in parts (or joined). */
let bodiesJoined = 0;
async function receivedInProcess(batch: RecordBatch, joined = false): Promise<RecordBatch> {
  const encoded = new FlightDataEncoder().encode(batch);
  const counted = encoded.map((m) => (isParted(m) ? { data_header: m.data_header, body_parts: m.body_parts, body_length: m.body_length, get data_body() { bodiesJoined++; return m.data_body; } } : m));
  const messages = joined ? encoded.map((m) => ({ data_header: m.data_header, data_body: m.data_body })) : counted;
  async function* source(): AsyncGenerator<FlightDataMessage> {
    yield* messages;
  }
  for await (const b of decodeFlightData(source())) return b;
  throw new Error("no batch");
}

function remoteWriteBatch(): RecordBatch {
  const times = Float64Array.from({ length: 40 }, (_, i) => 1_700_000_000_000 + i * 15_000);
  const parts = Array.from({ length: 30 }, (_, s) => ({
    series: { labels: { __name__: s % 2 ? "up" : "http_requests_total", job: `j${s % 3}`, instance: `h${s}` }, timestampsMs: times, values: times.map((t) => (t / 1000) % (s + 2)) },
    from: 0,
    to: times.length,
  }));
  return decodeRemoteWrite(snappyCompress(encodeSeriesSlices(parts)), "rw-1", 64 << 20, { wireForm: true }).batch!;
}

const tableOf = (b: RecordBatch) => (b.schema.fields.some((f) => f.name === "metric_name") ? "metrics" : "traces");
const rows = (b: RecordBatch) => b.toArray().map((r) => r.toJSON());
const fixture = readFileSync(join(import.meta.dir, "../../../test/fixtures/otlp/trace.json"));

describe("WAL records from received IPC bytes", () => {
  test("the wire form (dictionaries) and plain batches are stored as received and decode to the same rows", async () => {
    const wireBatch = await received(decodeExport("traces", fixture, "json", "w-1", { wireForm: true }).batch!);
    const plainBatch = await received(makeSpanBatch({ batchId: "p-1", rows: 300 }));
    for (const batch of [wireBatch, plainBatch]) {
      const ipc = receivedIpcOf(batch);
      expect(ipc).toBeDefined();
      const entry: WalEntry = { batchId: "b", orgId: "o", bucket: "k", table: "traces", shardId: 1, batch, ipc };
      const { parts, length } = encodeRecordParts(entry);
      // A large body is written from where it lies (not copied into the record).
      if (batch === plainBatch) expect(parts.some((p) => p.buffer === ipc!.messages.at(-1)!.body.buffer)).toBe(true);
      const joined = encodeRecord(entry);
      expect(joined.length).toBe(length);
      const decoded = decodeRecord(joined.subarray(FRAME_HEADER_BYTES));
      expect(rows(decoded.batch)).toEqual(rows(batch));
      // Re-encoding the batch (no ipc) gives a record of the same rows too.
      const reencoded = decodeRecord(encodeRecord({ ...entry, ipc: undefined }).subarray(FRAME_HEADER_BYTES));
      expect(rows(reencoded.batch)).toEqual(rows(batch));
    }
  });

  test("a batch received in parts (in-process) views the sender's buffers and gives the record of its joined bodies", async () => {
    const sent = [remoteWriteBatch(), decodeExport("traces", fixture, "json", "w-2", { wireForm: true }).batch!, makeSpanBatch({ batchId: "p-2", rows: 300 })];
    for (const batch of sent) {
      bodiesJoined = 0;
      const inParts = await receivedInProcess(batch);
      expect(bodiesJoined).toBe(0);
      const joined = await receivedInProcess(batch, true);
      expect(rows(inParts)).toEqual(rows(batch));
      expect(rows(joined)).toEqual(rows(batch));
      const sentBuffers = new Set(batch.data.children.map((c) => c.values?.buffer));
      expect(inParts.data.children.some((c) => c.values.byteLength > 0 && sentBuffers.has(c.values.buffer))).toBe(true);
      expect(receivedIpcOf(inParts)!.messages.at(-1)!.bodyParts).toBeDefined();
      const entry = (b: RecordBatch): WalEntry => ({ batchId: "b", orgId: "o", bucket: "k", table: tableOf(batch), shardId: 1, batch: b, ipc: receivedIpcOf(b) });
      const record = encodeRecord(entry(inParts));
      expect(record).toEqual(encodeRecord(entry(joined)));
      // Replay restores what the narrow form (remote write's) left out.
      expect(rows(decodeRecord(record.subarray(FRAME_HEADER_BYTES)).batch)).toEqual(rows(restoreOmitted(batch, tableOf(batch))));
    }
  });

  test("appended records survive a reopen and replay with their dictionaries", async () => {
    const wal = await WriteAheadLog.open(dir, { log });
    const batches = await Promise.all(["a", "b", "c"].map(async (id) => received(decodeExport("traces", fixture, "json", id, { wireForm: true }).batch!)));
    await Promise.all(batches.map((batch, i) => wal.append({ batchId: `id-${i}`, orgId: "o", bucket: "k", table: "traces", shardId: 0, batch, ipc: receivedIpcOf(batch) })));
    await wal.close();
    const again = await WriteAheadLog.open(dir, { log });
    const replayed: WalEntry[] = [];
    for await (const e of again.replay()) replayed.push(e);
    await again.close();
    expect(replayed.map((e) => e.batchId)).toEqual(["id-0", "id-1", "id-2"]);
    expect(replayed.map((e) => e.batch.getChild("batch_id")!.get(0))).toEqual(["a", "b", "c"]);
    expect(rows(replayed[1]!.batch)).toEqual(rows(batches[1]!));
    expect(replayed[0]!.batch.schema.fields.length).toBe(tracesSchema.fields.length);
  });
});
