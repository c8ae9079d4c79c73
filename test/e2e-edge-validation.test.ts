/**
 * The poison timestamp of issue #15, end to end on a monolith: a record with a time ≥ 2^63
 * (or a JSON time of "-5") sent over OTLP/HTTP protobuf, OTLP/HTTP JSON and OTLP/gRPC is
 * refused at the edge with a partial success naming the reason — so every org's rows keep
 * reaching Parquet. And the deepest value ingest accepts reads back through Tempo's
 * protobuf and JSON trace-by-id, while a deeper one is a clear 400 at ingest.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { FlightClient } from "../shared/flight/index.ts";
import { exportResponseType, MAX_ANYVALUE_DEPTH } from "../shared/otlp/index.ts";
import type { TableName } from "../shared/tables/index.ts";
import { grpcExport } from "./helpers/acceptor-wire.ts";
import { deepAnyValue, deepAnyValueJson, exportRequest, gaugeMetric, hex, idBytes, keyValue, logRecord, span } from "./helpers/otlp-wire.ts";
import { roleEnv, startRoleProcess, tempDir, type RoleProcess } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const POISON = 1n << 63n;
let cluster: RoleProcess;
let acceptorHttp: string;
let router: string;

beforeAll(async () => {
  const dir = tempDir("edge");
  cluster = await startRoleProcess("monolith", roleEnv({ SIGNALBOX_STORAGE_PATH: join(dir, "data"), SIGNALBOX_WRITER_FLUSH_INTERVAL: "1h" }));
  acceptorHttp = cluster.addresses["acceptor.http"]!;
  router = cluster.addresses["router.http"]!;
}, 60_000);

afterAll(async () => {
  await cluster?.kill();
});

const now = () => BigInt(Date.now()) * 1_000_000n;
const poisonRequests: Record<TableName, (seed: number) => Uint8Array> = {
  traces: (seed) => exportRequest([span({ traceId: idBytes(16, seed), spanId: idBytes(8, seed), start: POISON, end: POISON })]),
  logs: (seed) => exportRequest([logRecord(POISON + BigInt(seed))]),
  metrics: (seed) => exportRequest([gaugeMetric("poison", POISON + BigInt(seed), 1)]),
};
const goodRequests: Record<TableName, (seed: number) => Uint8Array> = {
  traces: (seed) => exportRequest([span({ traceId: idBytes(16, seed), spanId: idBytes(8, seed), start: now(), end: now() })]),
  logs: () => exportRequest([logRecord(now())]),
  metrics: () => exportRequest([gaugeMetric("good", now(), 1)]),
};

function partialSuccess(signal: TableName, bytes: Uint8Array) {
  const type = exportResponseType(signal);
  return (type.toObject(type.decode(bytes), { longs: String }) as { partial_success?: Record<string, string> }).partial_success ?? {};
}

async function post(signal: TableName, body: Uint8Array | string, org: string, contentType = "application/x-protobuf") {
  return fetch(`http://${acceptorHttp}/v1/${signal}`, { method: "POST", headers: { "content-type": contentType, "x-scope-orgid": org }, body });
}

async function sqlCount(org: string, table: TableName): Promise<number> {
  const response = await fetch(`http://${router}/api/v1/sql`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-scope-orgid": org },
    body: JSON.stringify({ sql: `select count(*) as n from ${table}` }),
  });
  expect(response.status).toBe(200);
  return Number(((await response.json()) as { rows: number[][] }).rows[0]![0]);
}

describe("the poison timestamp is refused at the edge", () => {
  test.each(["traces", "logs", "metrics"] as const)("%s over HTTP protobuf, HTTP JSON and gRPC", async (signal) => {
    const reason = "does not fit int64 nanoseconds";
    const http = await post(signal, poisonRequests[signal](1), "poisoner");
    expect(http.status).toBe(200);
    const fromHttp = partialSuccess(signal, new Uint8Array(await http.arrayBuffer()));
    expect(Object.values(fromHttp)).toContain("1");
    expect(fromHttp.error_message).toContain(reason);

    const grpc = await grpcExport(cluster.addresses["acceptor.grpc"]!, signal, poisonRequests[signal](2), { "x-scope-orgid": "poisoner" });
    expect(grpc.code).toBe(GrpcStatus.OK);
    expect(partialSuccess(signal, grpc.response!).error_message).toContain(reason);

    const timeKey = signal === "traces" ? "startTimeUnixNano" : "timeUnixNano";
    const json = await post(signal, JSON.stringify(jsonWithTime(signal, timeKey, "9223372036854775808")), "poisoner", "application/json");
    expect(json.status).toBe(200);
    expect(JSON.stringify(await json.json())).toContain(reason);

    const wrapped = await post(signal, JSON.stringify(jsonWithTime(signal, timeKey, "-5")), "poisoner", "application/json");
    expect(wrapped.status).toBe(400);
    expect(((await wrapped.json()) as { message: string }).message).toContain("-5 is outside the uint64 range");
  });

  test("every org's rows still reach Parquet", async () => {
    for (const signal of ["traces", "logs", "metrics"] as const) {
      for (const org of ["acme", "globex", "poisoner"]) expect((await post(signal, goodRequests[signal](7), org)).status).toBe(200);
    }
    const files = (await new FlightClient(cluster.addresses["writer.flight"]!).action("flush", {})) as unknown;
    expect(files).toBeDefined();
    expect(cluster.lines.filter((l) => l.event === "flush.failed")).toEqual([]);
    for (const org of ["acme", "globex", "poisoner"]) {
      for (const signal of ["traces", "logs", "metrics"] as const) expect(await sqlCount(org, signal)).toBe(1);
    }
  });
});

function jsonWithTime(signal: TableName, key: string, time: string): unknown {
  if (signal === "traces") {
    return { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: "5b8efff798038103d269b633813fc60c", spanId: "eee19b7ec3c1b174", name: "p", [key]: time }] }] }] };
  }
  if (signal === "logs") return { resourceLogs: [{ scopeLogs: [{ logRecords: [{ [key]: time, body: { stringValue: "p" } }] }] }] };
  return { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: "p", gauge: { dataPoints: [{ [key]: time, asDouble: 1 }] } }] }] }] };
}

describe("nesting depth", () => {
  test("the deepest accepted value reads back through Tempo's protobuf and JSON", async () => {
    const traceId = idBytes(16, 42);
    const body = exportRequest([span({ traceId, spanId: idBytes(8, 42), start: now(), end: now(), attributes: [keyValue("deep", deepAnyValue(MAX_ANYVALUE_DEPTH))] })]);
    expect((await post("traces", body, "deep")).status).toBe(200);
    for (const flushFirst of [false, true]) {
      if (flushFirst) await new FlightClient(cluster.addresses["writer.flight"]!).action("flush", {});
      const proto = await fetch(`http://${router}/api/traces/${hex(traceId)}`, { headers: { accept: "application/protobuf", "x-scope-orgid": "deep" } });
      expect(proto.status).toBe(200);
      expect((await proto.arrayBuffer()).byteLength).toBeGreaterThan(MAX_ANYVALUE_DEPTH * 4);
      const json = await fetch(`http://${router}/api/v2/traces/${hex(traceId)}`, { headers: { "x-scope-orgid": "deep" } });
      expect(json.status).toBe(200);
      expect((await json.text()).split("arrayValue").length - 1).toBe(MAX_ANYVALUE_DEPTH - 1);
    }
  });

  test.each([MAX_ANYVALUE_DEPTH + 1, 100_000])("%d levels: 400 at ingest naming the cap, every transport", async (depth) => {
    const message = `value nested deeper than ${MAX_ANYVALUE_DEPTH} levels`;
    const body = exportRequest([span({ traceId: idBytes(16, 43), spanId: idBytes(8, 43), start: now(), end: now(), attributes: [keyValue("deep", deepAnyValue(depth))] })]);
    const proto = await post("traces", body, "deep");
    expect(proto.status).toBe(400);
    const json = await post(
      "traces",
      `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60d","spanId":"eee19b7ec3c1b175","attributes":[{"key":"deep","value":${deepAnyValueJson(depth)}}]}]}]}]}`,
      "deep",
      "application/json",
    );
    expect(json.status).toBe(400);
    expect(((await json.json()) as { message: string }).message).toContain(message);
    const grpc = await grpcExport(cluster.addresses["acceptor.grpc"]!, "traces", body, { "x-scope-orgid": "deep" });
    expect(grpc.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(grpc.details).toContain(message);
  });
});

describe("query texts", () => {
  const NUL = "\u0000";
  const get = async (path: string) => {
    const response = await fetch(`http://${router}${path}`, { headers: { "x-scope-orgid": "acme" } });
    // Loki's query routes answer errors as plain text, as Loki does; the others as JSON.
    const text = await response.text();
    const error = (response.headers.get("content-type") ?? "").includes("json") ? ((JSON.parse(text) as { error?: string }).error ?? "") : text;
    return { status: response.status, error };
  };

  test.each([
    ["TraceQL", `/api/search?q=${encodeURIComponent(`{ .a = "x${NUL}y" }`)}`],
    ["TraceQL intrinsic", `/api/search?q=${encodeURIComponent(`{ name = "${NUL}" }`)}`],
    ["tags value", `/api/search?tags=${encodeURIComponent(`service.name=a${NUL}b`)}`],
    ["tags key", `/api/search?tags=${encodeURIComponent(`a${NUL}b=x`)}`],
    ["tag name", `/api/search/tag/${encodeURIComponent(`a${NUL}b`)}/values`],
    ["v2 tag name", `/api/v2/search/tag/${encodeURIComponent(`.a${NUL}b`)}/values`],
    ["LogQL matcher", `/loki/api/v1/query_range?query=${encodeURIComponent(`{service_name="a${NUL}"}`)}`],
    ["LogQL regex", `/loki/api/v1/query_range?query=${encodeURIComponent(`{service_name=~"a${NUL}"}`)}`],
    ["LogQL line filter", `/loki/api/v1/query_range?query=${encodeURIComponent(`{service_name="x"} |= "a${NUL}"`)}`],
    ["Loki label name", `/loki/api/v1/label/${encodeURIComponent(`a${NUL}`)}/values`],
  ])("a NUL byte in %s is 400, not 500", async (_, path) => {
    const answer = await get(path);
    expect(answer).toMatchObject({ status: 400 });
    expect(answer.error).toContain("NUL");
  });

  test.each(["{}", '{service_name!="x"}', '{service_name=~".*"}', '{service_name!~"a|b"}', '{service_name=""}'])(
    "Loki refuses the selector %s as Loki does",
    async (selector) => {
      const answer = await get(`/loki/api/v1/query_range?query=${encodeURIComponent(selector)}`);
      expect(answer.status).toBe(400);
      expect(answer.error).toContain("queries require at least one regexp or equality matcher that does not have an empty-compatible value");
    },
  );

  test.each(['{service_name=~".+"}', '{service_name="x", level!="debug"}'])("and takes %s", async (selector) => {
    expect((await get(`/loki/api/v1/query_range?query=${encodeURIComponent(selector)}`)).status).toBe(200);
  });
});
