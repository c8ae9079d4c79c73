/**
 * A querier keeps the live batches it received and asks each writer only for newer ones
 * (services/querier/live-cache.ts, services/writer/live-answer.ts), over real Flight with a
 * real catalog: a flushed batch disappears from the answer, a new one arrives once, a kept one
 * is the very object received before, and a writer that ignores `have` still answers right.
 */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from "bun:test";
import type { RecordBatch } from "apache-arrow";
import { withSchema } from "../shared/flight/index.ts";
import { tracesSchema } from "../shared/tables/index.ts";
import { liveBatchId, type LiveTicket } from "../shared/writepath/index.ts";
import { localFileSource } from "../services/querier/file-cache-source.ts";
import { LiveBatchCache } from "../services/querier/live-cache.ts";
import { ManifestCache } from "../services/querier/manifest-cache.ts";
import { fetchLive, type SourceDeps } from "../services/querier/gather-sources.ts";
import { liveAnswer } from "../services/writer/live-answer.ts";
import { LiveBuffer } from "../services/writer/live-buffer.ts";
import { quietLog } from "./helpers/query-engine.ts";
import { startStandInWriter, type StandInWriter } from "./helpers/stand-in-writer.ts";
import { sid, spansBatch, tid } from "./helpers/query-fixtures.ts";
import { validate } from "../shared/config/index.ts";
import { LimitHits, TenantLimitsTable } from "../shared/limits/index.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

/** The default limits: generous, never hit here. */
const defaultScanLimits = { table: new TenantLimitsTable(validate({}).limits), hits: new LimitHits(undefined) };

const log = quietLog();
const buffer = new LiveBuffer();
const tickets: LiveTicket[] = [];
/** false: the writer answers as one built before `have` (everything, no id list). */
let understandsHave = true;
let writer: StandInWriter;
const cache = new LiveBatchCache();

const add = (batchId: string, n: number) =>
  buffer.add({
    batchId, orgId: "acme", bucket: "default", table: "traces", shardId: 0,
    batch: spansBatch([{ traceId: tid(n), spanId: sid(n), name: "op", startNs: 1_700_000_000_000_000_000n + BigInt(n), durationNs: 1n, batchId }]),
  });

beforeAll(async () => {
  writer = await startStandInWriter((ticket) => {
    tickets.push(ticket);
    if (!understandsHave) return withSchema(tracesSchema, buffer.entries("acme", "default", "traces").map((e) => e.batch));
    const answer = liveAnswer(buffer, ticket);
    return withSchema(answer.schema, answer.batches);
  });
});

afterAll(() => writer.close());

const deps = (): SourceDeps => ({
  files: localFileSource("/nonexistent"), manifest: new ManifestCache(writer.catalog), resolver: writer.resolver, pool: writer.pool, log, scanLimits: defaultScanLimits, liveCache: cache,
});
const live = async () => (await fetchLive(deps(), { org: "acme", bucket: "default", table: "traces" }, Date.now() + 10_000)).batches;
const ids = (batches: RecordBatch[]) => batches.map((b) => liveBatchId(b));

test("only new batches travel; flushed ones are dropped; kept ones are the same objects", async () => {
  add("b1", 1);
  add("b2", 2);
  const first = await live();
  expect(ids(first)).toEqual(["b1", "b2"]);
  expect(tickets.at(-1)!.have).toBeUndefined();

  buffer.remove([{ batchId: "b1", orgId: "acme", bucket: "default", table: "traces" }]);
  add("b3", 3);
  const second = await live();
  expect(ids(second)).toEqual(["b2", "b3"]);
  expect(tickets.at(-1)!.have).toEqual(["b1", "b2"]);
  expect(second[0]).toBe(first[1]!);
  expect(cache.bytes).toBeGreaterThan(0);

  // Nothing new: nothing sent, the same answer.
  const third = await live();
  expect(ids(third)).toEqual(["b2", "b3"]);
  expect(tickets.at(-1)!.have).toEqual(["b2", "b3"]);
});

test("a writer that sends everything without the id list is taken at its word", async () => {
  understandsHave = false;
  buffer.remove([{ batchId: "b2", orgId: "acme", bucket: "default", table: "traces" }]);
  add("b4", 4);
  expect(ids(await live())).toEqual(["b3", "b4"]);
  understandsHave = true;
  expect(ids(await live())).toEqual(["b3", "b4"]);
});

test("a trace by id bypasses the cache", async () => {
  const batches = (await fetchLive(deps(), { org: "acme", bucket: "default", table: "traces", traceId: tid(4) }, Date.now() + 10_000)).batches;
  expect(ids(batches)).toEqual(["b4"]);
  expect(tickets.at(-1)!.have).toBeUndefined();
  expect(tickets.at(-1)!.trace_id).toBe(tid(4));
});

const oneSpan = (n: number) =>
  spansBatch([{ traceId: tid(n), spanId: sid(n), name: "op", startNs: BigInt(n), durationNs: 1n, batchId: `b${n}` }]);
const held = (cache: LiveBatchCache) => [...cache.claim("w", "scope").keys()];

test("scopes no query asked for in a minute are dropped by a sweep", () => {
  let now = 0;
  const idle = new LiveBatchCache(() => now);
  idle.update("w", "scope", new Map(), [oneSpan(9)], ["b9"]);
  now = 59_000;
  idle.sweep();
  expect(held(idle)).toEqual(["b9"]); // claiming counts as use
  now = 119_001;
  idle.sweep();
  expect(held(idle)).toEqual([]);
  expect(idle.bytes).toBe(0);
});

test("past the byte cap the least recently used scopes go, but never one queried in the last seconds", () => {
  let now = 0;
  const small = new LiveBatchCache(() => now, 1);
  small.update("w", "big", new Map(), [oneSpan(1)], ["b1"]);
  // Over the cap on its own, and in use: kept (dropping it would only make the next query fetch it all again).
  expect([...small.claim("w", "big").keys()]).toEqual(["b1"]);
  now = 5_000;
  small.update("w", "other", new Map(), [oneSpan(2)], ["b2"]);
  expect([...small.claim("w", "big").keys()]).toEqual(["b1"]);
  // Ten seconds without a query: the older scope goes first, the newer one stays.
  now = 16_000;
  small.update("w", "newest", new Map(), [oneSpan(3)], ["b3"]);
  expect([...small.claim("w", "big").keys()]).toEqual([]);
  expect([...small.claim("w", "newest").keys()]).toEqual(["b3"]);
});

test("a scope dropped while a query waits on the writer loses none of the batches the query claimed", () => {
  let now = 0;
  const racing = new LiveBatchCache(() => now);
  const [b1, b2, b3] = [oneSpan(1), oneSpan(2), oneSpan(3)];
  racing.update("w", "scope", new Map(), [b1, b2], ["b1", "b2"]);
  now = 59_999;
  const claimed = racing.claim("w", "scope");
  now = 120_001;
  racing.sweep(); // the query is still waiting for the writer
  const answer = racing.update("w", "scope", claimed, [b3], ["b1", "b2", "b3"]);
  expect(answer.missing).toBe(0);
  expect(ids(answer.batches)).toEqual(["b1", "b2", "b3"]);
  // A listed batch neither sent nor claimed is reported, for the query to ask again.
  expect(racing.update("w", "other", new Map(), [b3], ["b1", "b3"]).missing).toBe(1);
});
