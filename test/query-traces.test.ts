/** Trace by id, tag names and tag values over Parquet + live rows. */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { tracesSchema } from "../shared/tables/index.ts";
import { tagNamesSchema, tagValuesSchema } from "../shared/query/index.ts";
import { openHarness, type QueryHarness } from "./helpers/query-engine.ts";
import { sid, tid } from "./helpers/query-fixtures.ts";
import { T0, SEC } from "./helpers/query-trace-data.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

let h: QueryHarness;
beforeAll(async () => {
  h = await openHarness();
});
afterAll(async () => {
  await h.close();
});

const sameSchema = (actual: { fields: { name: string; type: { toString(): string } }[] }, expected: typeof tracesSchema) =>
  expect(actual.fields.map((f) => `${f.name}:${f.type}`)).toEqual(expected.fields.map((f) => `${f.name}:${f.type}`));

describe("trace_by_id", () => {
  test("returns every column of tracesSchema with the same types", async () => {
    const table = await h.run({ kind: "trace_by_id", traceId: tid(1) });
    sameSchema(table.schema, tracesSchema);
    expect(table.numRows).toBe(2);
    const rows = table.toArray().map((r) => r.toJSON());
    expect(rows[0]).toMatchObject({ span_id: sid(11), name: "GET /api", kind: 2, status_code: 1, service_name: "frontend" });
    expect(rows[0]!.start_time_unix_nano).toBe(T0);
    expect(rows[1]).toMatchObject({ span_id: sid(12), parent_span_id: sid(11), duration_nano: 150_000_000n });
    expect(JSON.parse(rows[1]!.attributes as string)).toContainEqual({ key: "ratio", value: { doubleValue: 0.5 } });
  });

  test("merges Parquet and live spans of one trace; short ids are left-padded", async () => {
    const rows = await h.rows({ kind: "trace_by_id", traceId: "2" });
    expect(rows.map((r) => r.name)).toEqual(["POST /api", "auth", "queue send"]);
  });

  test("live-only trace", async () => {
    expect((await h.rows({ kind: "trace_by_id", traceId: tid(4) })).length).toBe(6);
  });

  test("unknown trace → empty table with the same schema", async () => {
    const table = await h.run({ kind: "trace_by_id", traceId: "deadbeef" });
    expect(table.numRows).toBe(0);
    sameSchema(table.schema, tracesSchema);
  });

  test("no files and no live rows", async () => {
    const table = await h.run({ kind: "trace_by_id", traceId: tid(1) }, { files: [], live: [] });
    expect(table.numRows).toBe(0);
  });
});

describe("tag_names", () => {
  test("all scopes, distinct and sorted", async () => {
    const table = await h.run({ kind: "tag_names" });
    expect(table.schema.fields.map((f) => f.name)).toEqual(tagNamesSchema.fields.map((f) => f.name));
    const rows = table.toArray().map((r) => `${r.scope}:${r.name}`);
    expect(rows).toEqual([
      "intrinsic:duration", "intrinsic:kind", "intrinsic:name", "intrinsic:rootName", "intrinsic:rootServiceName", "intrinsic:status",
      "resource:deployment.environment", "resource:service.name",
      "span:cached", "span:db.system", "span:http.method", "span:http.status_code", "span:job", "span:messaging.system",
      "span:ratio", "span:retries", "span:user.id",
    ]);
  });

  test("one scope", async () => {
    const resource = await h.rows({ kind: "tag_names", scope: "resource" });
    expect(resource.map((r) => r.name)).toEqual(["deployment.environment", "service.name"]);
    const intrinsic = await h.rows({ kind: "tag_names", scope: "intrinsic" });
    expect(intrinsic.every((r) => r.scope === "intrinsic")).toBe(true);
  });

  test("time range narrows the spans considered", async () => {
    const rows = await h.rows({ kind: "tag_names", scope: "span", startNs: String(T0 + 19n * SEC), endNs: String(T0 + 21n * SEC) });
    expect(rows.map((r) => r.name)).toEqual(["job"]);
  });
});

describe("tag_values", () => {
  const values = async (tag: string) =>
    (await h.rows({ kind: "tag_values", tag })).map((r) => `${r.type}:${r.value}`);

  test("schema", async () => {
    const table = await h.run({ kind: "tag_values", tag: "name" });
    expect(table.schema.fields.map((f) => f.name)).toEqual(tagValuesSchema.fields.map((f) => f.name));
  });

  test("unscoped, span and resource tags with their types", async () => {
    expect(await values("http.method")).toEqual(["string:GET", "string:POST"]);
    expect(await values(".http.status_code")).toEqual(["int:200", "int:500"]);
    expect(await values("span.ratio")).toEqual(["float:0.5"]);
    expect(await values("span.cached")).toEqual(["bool:false"]);
    expect(await values("resource.service.name")).toEqual(["string:auth", "string:db", "string:frontend", "string:worker"]);
    expect(await values("service.name")).toEqual(["string:auth", "string:db", "string:frontend", "string:worker"]);
    expect(await values("span.service.name")).toEqual([]);
    expect(await values("resource.deployment.environment")).toEqual(["string:prod"]);
  });

  test("intrinsics", async () => {
    expect(await values("status")).toEqual(["keyword:error", "keyword:ok", "keyword:unset"]);
    expect(await values("kind")).toEqual(["keyword:client", "keyword:consumer", "keyword:internal", "keyword:producer", "keyword:server"]);
    expect(await values("name")).toEqual([
      "string:GET /api", "string:GET /health", "string:POST /api", "string:auth", "string:db query", "string:orphan",
      "string:queue send", "string:work",
    ]);
    expect(await values("rootServiceName")).toEqual(["string:frontend"]);
    expect(await values("rootName")).toEqual(["string:GET /api", "string:GET /health", "string:POST /api"]);
  });
});
