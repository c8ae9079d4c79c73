import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Int32, Int64, makeData, RecordBatch, Struct, Utf8, vectorFromArray, type Data } from "apache-arrow";
import { appendArrow, openDuckDB, quoteLiteral, type DuckDBHandle } from "../../../../shared/duckdb/index.ts";
import { logLine, splitResource, structuredMetadata, type LokiLogFields } from "../../../../shared/loki/index.ts";
import { evaluateLogQL, MemoryLogSource, type LogEntry, type LogResultEntry } from "../../../../shared/query/logql/index.ts";
import { labelsKey, type Labels } from "../../../../shared/series/index.ts";
import { logsSchema } from "../../../../shared/tables/index.ts";
import { createFilesView } from "../source-view.ts";
import { LogFileContexts } from "./log-contexts.ts";
import { DuckDBLogSource } from "./log-source.ts";

// Rows of every kind the select treats apart — services with several contexts, rows whose
// service_name is discovered (column ""), rows without a time, bodies that are not strings,
// lines with quotes — in three Parquet files and live rows; each query must answer exactly
// what the LogQL evaluator answers over the same rows in memory (the Loki model in JS).
const MS = 1_000_000n;
const T0 = 1_800_000_000_000n * MS;
const ROWS = 1500;
const kv = (k: string, v: string) => `{"key":${JSON.stringify(k)},"value":{"stringValue":${JSON.stringify(v)}}}`;
const RESOURCES: Array<[string, string]> = [
  ["checkout", `[${kv("service.name", "checkout")},${kv("k8s.pod.name", "checkout-a")}]`],
  ["checkout", `[${kv("service.name", "checkout")},${kv("k8s.pod.name", "checkout-b")}]`],
  ["payment", `[${kv("service.name", "payment")}]`],
  ["", `[${kv("k8s.container.name", "checkout")},${kv("host.name", "h1")}]`],
  ["", `[${kv("k8s.container.name", "cart")}]`],
];
const LEVELS: Array<[string, number]> = [["INFO", 9], ["WARN", 13], ["ERROR", 17]];

function row(i: number): LokiLogFields {
  const [serviceName, resourceAttributes] = RESOURCES[i % RESOURCES.length]!;
  const [severityText, severityNumber] = LEVELS[i % 3]!;
  const failed = i % 7 === 0;
  const line =
    i % 11 === 0 ? `level=error msg='upstream "timeout"' status=503`
    : i % 2 === 0 ? JSON.stringify({ status: failed ? 500 : 200, msg: failed ? "request timeout" : "ok", n: i })
    : `status=${failed ? 503 : 204} msg=${failed ? "timeout" : "ok"} n=${i}`;
  const body = i % 97 === 0 ? `{"kvlistValue":{"values":[${kv("msg", "timeout in a map")}]}}` : JSON.stringify({ stringValue: line });
  const at = T0 + BigInt(i) * 10n * MS;
  const untimed = i % 50 === 25;
  return {
    serviceName, resourceAttributes, resourceSchemaUrl: "", timeUnixNano: untimed ? 0n : at, observedTimeUnixNano: at + (untimed ? 0n : 3n),
    severityNumber, severityText, body, attributes: `[${kv("http.route", `/r${i % 4}`)}]`, droppedAttributesCount: 0, flags: 0,
    traceId: i % 3 === 0 ? (BigInt(i) * 7919n).toString(16).padStart(32, "0") : "", spanId: "", eventName: i % 13 === 0 ? "evt" : "",
    scopeName: "lib", scopeVersion: "1", scopeAttributes: "[]", scopeDroppedAttributesCount: 0,
  };
}

function batchOf(rows: LokiLogFields[]): RecordBatch {
  const utf8 = (f: (r: LokiLogFields) => string) => vectorFromArray(rows.map(f), new Utf8()).data[0]!;
  const i64 = (f: (r: LokiLogFields) => bigint) => makeData({ type: new Int64(), length: rows.length, data: BigInt64Array.from(rows.map(f)) });
  const i32 = (f: (r: LokiLogFields) => number) => makeData({ type: new Int32(), length: rows.length, data: Int32Array.from(rows.map(f)) });
  const children: Record<string, Data> = {
    batch_id: utf8(() => "b"), time_unix_nano: i64((r) => r.timeUnixNano), observed_time_unix_nano: i64((r) => r.observedTimeUnixNano),
    severity_number: i32((r) => r.severityNumber), severity_text: utf8((r) => r.severityText), body: utf8((r) => r.body), attributes: utf8((r) => r.attributes),
    dropped_attributes_count: i32(() => 0), flags: i64(() => 0n), trace_id: utf8((r) => r.traceId), span_id: utf8((r) => r.spanId),
    event_name: utf8((r) => r.eventName), service_name: utf8((r) => r.serviceName), resource_attributes: utf8((r) => r.resourceAttributes),
    resource_dropped_attributes_count: i32(() => 0), resource_schema_url: utf8((r) => r.resourceSchemaUrl), scope_name: utf8((r) => r.scopeName),
    scope_version: utf8((r) => r.scopeVersion), scope_attributes: utf8((r) => r.scopeAttributes), scope_dropped_attributes_count: i32(() => 0),
    scope_schema_url: utf8(() => ""),
  };
  return new RecordBatch(logsSchema, makeData({ type: new Struct(logsSchema.fields), length: rows.length, nullCount: 0, children: logsSchema.fields.map((f) => children[f.name]!) }));
}

/** The same rows as the Loki model sees them, for the evaluator's memory source. */
function memorySource(rows: LokiLogFields[]): MemoryLogSource {
  const streams = new Map<string, { labels: Labels; entries: LogEntry[] }>();
  for (const r of rows) {
    const split = splitResource(r);
    const line = logLine(r.body);
    const key = labelsKey(split.labels);
    let s = streams.get(key);
    if (!s) streams.set(key, (s = { labels: split.labels, entries: [] }));
    s.entries.push({ timestampNs: r.timeUnixNano !== 0n ? r.timeUnixNano : r.observedTimeUnixNano, line, metadata: structuredMetadata(r, split, line) });
  }
  return new MemoryLogSource([...streams.values()]);
}

let handle: DuckDBHandle;
let dir: string;
let files: string[];
const contexts = new LogFileContexts();
const rows = Array.from({ length: ROWS }, (_, i) => row(i));
const LIVE_FROM = 1350;
const memory = memorySource(rows);

beforeAll(async () => {
  handle = await openDuckDB(":memory:");
  dir = mkdtempSync(join(tmpdir(), "log-source-test-"));
  await appendArrow(handle.connection, "all_rows", [batchOf(rows)], logsSchema, { temp: false, mode: "create" });
  files = [];
  // Three files of consecutive rows, sorted as the writer sorts them; the newest rows stay live.
  for (const [k, from, to] of [[0, 0, 500], [1, 500, 1000], [2, 1000, LIVE_FROM]] as const) {
    const path = join(dir, `f${k}.parquet`);
    await handle.connection.run(
      `COPY (SELECT * FROM all_rows WHERE (time_unix_nano - ${T0}) // 10000000 BETWEEN ${from} AND ${to - 1} OR (time_unix_nano = 0 AND (observed_time_unix_nano - ${T0}) // 10000000 BETWEEN ${from} AND ${to - 1}) ORDER BY service_name, time_unix_nano)
       TO ${quoteLiteral(path)} (FORMAT parquet, ROW_GROUP_SIZE 256)`,
    );
    files.push(path);
  }
  await appendArrow(handle.connection, "live_rows", [batchOf(rows.slice(LIVE_FROM))], logsSchema, { temp: false, mode: "create" });
});

afterAll(() => {
  handle?.close();
  rmSync(dir, { recursive: true, force: true });
});

const sorted = (entries: LogResultEntry[]) => entries.map((e) => ({ ...e, timestampNs: String(e.timestampNs) }));

describe("DuckDBLogSource answers what the evaluator answers over the same rows in memory", () => {
  const queries = [
    '{service_name="checkout"} |= "timeout"',
    '{service_name="checkout", k8s_pod_name="checkout-b"} |= "timeout"',
    '{service_name="checkout"} | json | status >= 500',
    '{service_name=~"checkout|payment"} != "ok"',
    '{service_name="checkout"} |= "stringValue"',
    '{service_name="checkout"} |= "\\"timeout\\""',
    '{service_name="cart"}',
    '{k8s_container_name=~".+"} |~ "n=1[0-9]+$"',
    '{k8s_container_name=~".+"}',
  ];
  for (const query of queries) {
    for (const direction of ["backward", "forward"] as const) {
      test(`${query} ${direction}`, async () => {
        for (const limit of [7, 5000]) {
          const connection = await handle.instance.connect();
          try {
            await createFilesView(connection, "logs", "src", "live_rows", files);
            const source = new DuckDBLogSource(connection, "src", { maxEntries: 1_000_000, scope: { contexts, files, live: "live_rows" } });
            const params = { startNs: T0 + 5n * MS, endNs: T0 + BigInt(ROWS - 3) * 10n * MS, limit, direction };
            const got = await evaluateLogQL(source, query, params);
            const want = await evaluateLogQL(memory, query, params);
            if (got.resultType !== "streams" || want.resultType !== "streams") throw new Error("not a log query");
            if (!query.includes("stringValue")) expect(want.entries.length).toBeGreaterThan(0);
            expect(sorted(got.entries)).toEqual(sorted(want.entries));
          } finally {
            connection.closeSync();
          }
        }
      });
    }
  }
});

// DuckDB gives a result of no rows no chunks, and so no columns: a select whose SQL keeps no
// row (a line filter nothing in the range passes, every body a string) must answer no entries.
test("a line filter no row of the range passes answers no entries", async () => {
  for (const limit of [7, 5000]) {
    for (const direction of ["backward", "forward"] as const) {
      const connection = await handle.instance.connect();
      try {
        await createFilesView(connection, "logs", "src", "live_rows", files);
        const source = new DuckDBLogSource(connection, "src", { maxEntries: 1_000_000, scope: { contexts, files, live: "live_rows" } });
        // Rows 100 to 189: no body of another kind (those are every 97th row) among them.
        const params = { startNs: T0 + 1000n * MS, endNs: T0 + 1900n * MS, limit, direction };
        const got = await evaluateLogQL(source, '{service_name="checkout"} |= "no line holds this"', params);
        expect(got).toMatchObject({ resultType: "streams", entries: [] });
      } finally {
        connection.closeSync();
      }
    }
  }
});
