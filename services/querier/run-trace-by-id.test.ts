/**
 * Trace by id while a flush lands: the writer (a Flight stand-in on real gRPC) records a new
 * file in the real catalog at the moment it is asked for its live rows — after the querier's
 * early listing. Every span of the trace must come back exactly once.
 */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from "bun:test";
import { basename } from "node:path";
import type { RecordBatch } from "apache-arrow";
import type { DataFile } from "../../shared/catalog/index.ts";
import { withSchema } from "../../shared/flight/index.ts";
import { parseTicket, type TraceByIdTicket } from "../../shared/query/index.ts";
import { tracesSchema } from "../../shared/tables/index.ts";
import { quietLog } from "../../test/helpers/query-engine.ts";
import { startStandInWriter, type StandInWriter } from "../../test/helpers/stand-in-writer.ts";
import { sid, spansBatch, tempDir, tid, writeParquet, type SpanSpec } from "../../test/helpers/query-fixtures.ts";
import { QueryEngine } from "./engine/index.ts";
import { localFileSource } from "./file-cache-source.ts";
import { ManifestCache } from "./manifest-cache.ts";
import type { SourceDeps } from "./gather-sources.ts";
import { runTraceById } from "./run-trace-by-id.ts";
import { validate } from "../../shared/config/index.ts";
import { LimitHits, TenantLimitsTable } from "../../shared/limits/index.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../test/helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

/** The default limits: generous, never hit here. */
const defaultScanLimits = { table: new TenantLimitsTable(validate({}).limits), hits: new LimitHits(undefined) };

const T0 = 1_700_000_000_000_000_000n;
const TRACE = tid(0xabc);
const span = (n: number, batchId: string, traceId = TRACE): SpanSpec => ({
  traceId, spanId: sid(n), name: `op ${n}`, startNs: T0 + BigInt(n) * 1_000_000n, durationNs: 1_000n, service: "svc", batchId,
});

const log = quietLog();
const { dir, cleanup } = tempDir("signalbox-trace-overlap-");
let writer: StandInWriter;
let engine: QueryEngine;
/** What the stand-in writer does when asked for live rows. */
let onLiveRequest: (traceId: string | undefined) => Promise<RecordBatch[]> = async () => [];

const dataFile = (path: string, batchIds: string[], createdAt: number): DataFile => ({
  path: basename(path), orgId: "acme", bucket: "default", table: "traces", shardId: 0,
  minTime: String(T0), maxTime: String(T0 + 10_000_000_000n), rows: 1, bytes: 1, batchIds, createdAt,
});

beforeAll(async () => {
  engine = await QueryEngine.open({ log });
  writer = await startStandInWriter(async (ticket) => withSchema(tracesSchema, await onLiveRequest(ticket.trace_id)));
});

afterAll(async () => {
  await writer.close();
  await engine.close();
  cleanup();
});

const deps = (): SourceDeps => ({ files: localFileSource(dir), manifest: new ManifestCache(writer.catalog), resolver: writer.resolver, pool: writer.pool, log, scanLimits: defaultScanLimits });
const ticket = () => parseTicket({ kind: "trace_by_id", org: "acme", bucket: "default", traceId: TRACE }) as TraceByIdTicket;
const spanIds = async () => {
  const table = await runTraceById(deps(), engine, ticket(), Date.now() + 10_000);
  return table.toArray().map((r) => r.span_id as string);
};

test("a file recorded while the writer answers is read, and its batch is not counted twice", async () => {
  const early = await writeParquet(dir, "traces", [spansBatch([span(1, "b-early"), span(2, "b-early"), span(9, "b-early", tid(0xdef))])]);
  await writer.catalog.addDataFile(dataFile(early, ["b-early"], 1));
  const flushedRows = spansBatch([span(3, "b-flushed")]);
  const flushed = await writeParquet(dir, "traces", [flushedRows]);
  const stillLive = spansBatch([span(4, "b-live")]);
  const asked: Array<string | undefined> = [];
  onLiveRequest = async (traceId) => {
    asked.push(traceId);
    // The flush lands while the writer answers; it still sends the flushed batch once more.
    await writer.catalog.addDataFile(dataFile(flushed, ["b-flushed"], 2));
    return [flushedRows, stillLive];
  };
  expect(await spanIds()).toEqual([sid(1), sid(2), sid(3), sid(4)]);
  // The writer was asked for this trace only.
  expect(asked).toEqual([TRACE]);
});

test("files and live rows with nothing recorded in between; a trace held nowhere", async () => {
  onLiveRequest = async () => [spansBatch([span(5, "b-other")])];
  expect(await spanIds()).toEqual([sid(1), sid(2), sid(3), sid(5)]);
  onLiveRequest = async () => [];
  const missing = parseTicket({ kind: "trace_by_id", org: "acme", bucket: "default", traceId: tid(0x123) }) as TraceByIdTicket;
  expect((await runTraceById(deps(), engine, missing, Date.now() + 10_000)).numRows).toBe(0);
});
