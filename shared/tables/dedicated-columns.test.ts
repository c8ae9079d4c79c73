/**
 * The decoder fills the spans' dedicated columns while it writes their attributes; they must
 * hold exactly what withDedicatedColumns reads from the attribute JSON afterwards (and so what
 * the querier's SQL computes for older files), whatever the attributes are.
 */
import { describe, expect, test } from "bun:test";
import { Table, tableFromIPC, tableToIPC, type RecordBatch } from "apache-arrow";
import { DEDICATED_COLUMNS, DEDICATED_SPAN_ATTRIBUTES } from "./dedicated-attributes.ts";
import { hasDedicatedColumns, withDedicatedColumns, withDedicatedSchema } from "./dedicated-columns.ts";
import { decodeExport } from "../otlp/decode-export.ts";
import { otlpJsonToProtobuf } from "../otlp/json-to-protobuf.ts";
import { exportRequestType } from "../otlp/proto.ts";
import { tracesSchema } from "./tables.ts";
import { contractColumns, contractSchemaOf, toPlainBatch, wireSchema, wireSchemaProblem } from "./wire-form.ts";

const kv = (key: string, value: Record<string, unknown> | undefined) => (value === undefined ? { key } : { key, value });
const TRACE = "5b8efff798038103d269b633813fc60c";
let spanNo = 0;
const span = (attributes: unknown[], extra: Record<string, unknown> = {}) => ({
  traceId: TRACE,
  spanId: (++spanNo).toString(16).padStart(16, "0"),
  name: `span-${spanNo}`,
  startTimeUnixNano: "1700000000000000000",
  endTimeUnixNano: "1700000000000001000",
  attributes,
  ...extra,
});

/** Spans whose attributes cover every type, number form, escape and placement a dedicated value can meet. */
const SPANS = [
  span([kv("http.response.status_code", { intValue: "500" }), kv("http.route", { stringValue: "/cart" })]),
  span([kv("http.status_code", { doubleValue: 1e3 }), kv("x", { doubleValue: 1e3 })]),
  span([kv("rpc.service", { boolValue: true }), kv("rpc.method", { boolValue: false })]),
  span([kv("http.route", { stringValue: "first" }), kv("http.route", { stringValue: "second" })]),
  span([kv("db.system", { stringValue: 'pöstgres "q" \\ ✓\n\u0001' }), kv("a", { stringValue: "d" })]),
  span([kv("nested", { kvlistValue: { values: [kv("http.route", { stringValue: "/inner" })] } }), kv("url.full", { arrayValue: { values: [{ stringValue: "}]" }] } })]),
  span([]),
  span([kv("http.status_code", { doubleValue: 1e300 }), kv("http.method", { intValue: "-9223372036854775808" }), kv("rpc.method", { doubleValue: "NaN" })]),
  span([kv("http.url", {}), kv("http.method", { bytesValue: "AAE=" }), kv("service.name", { stringValue: "cart" }), kv("url.full", undefined)]),
  span([kv("http.status_code", { doubleValue: 1e-7 }), kv("http.url", { doubleValue: 0.000001 }), kv("rpc.method", { doubleValue: -0 })]),
  span([kv("http.status_code", { doubleValue: 1e21 }), kv("http.url", { doubleValue: -2.5e22 }), kv("rpc.method", { doubleValue: "-Infinity" }), kv("rpc.service", { doubleValue: 0.1 })]),
  span([kv("http.request.method", { intValue: "-1" }), kv("http.method", { stringValue: "" })]),
  // Rejected (bad span id) between accepted spans: its values must not land in any row.
  span([kv("http.route", { stringValue: "/rejected" }), kv("service.name", { stringValue: "rejected" })], { spanId: "00" }),
  // Dedicated keys in events and links are not span attributes.
  span([kv("a", { stringValue: "b" })], {
    events: [{ timeUnixNano: "1700000000000000500", name: "e", attributes: [kv("http.route", { stringValue: "/event" })] }],
    links: [{ traceId: TRACE, spanId: "00000000000000aa", attributes: [kv("http.method", { stringValue: "LINK" })] }],
  }),
];

const request = (spans: unknown[]) => ({
  resourceSpans: [{
    // A dedicated key among the resource's attributes is not a span attribute either.
    resource: { attributes: [kv("service.name", { stringValue: "svc" }), kv("http.route", { stringValue: "/resource" })] },
    scopeSpans: [{ scope: { name: "s", attributes: [kv("rpc.method", { stringValue: "scope" })] }, spans }],
  }],
});

const dedicatedRows = (b: RecordBatch) =>
  Array.from({ length: b.numRows }, (_, row) => Object.fromEntries(DEDICATED_COLUMNS.map((c) => [c, b.getChild(c)!.get(row)])));

function decodeBoth(body: Uint8Array, format: "json" | "protobuf") {
  const decoded = decodeExport("traces", body, format, "b-1", { wireForm: true, dedicated: true });
  const without = decodeExport("traces", body, format, "b-1", { wireForm: true });
  return { decoded, batch: decoded.batch!, expected: withDedicatedColumns(without.batch!) };
}

describe("dedicated columns from the decoder", () => {
  test("hold what withDedicatedColumns reads from the attribute JSON, for every kind of value", () => {
    const body = new TextEncoder().encode(JSON.stringify(request(SPANS)));
    const { decoded, batch, expected } = decodeBoth(body, "json");
    expect(decoded.rejected).toBe(1);
    expect(batch.numRows).toBe(SPANS.length - 1);
    expect(batch.schema.fields.map(String)).toEqual(withDedicatedSchema(wireSchema("traces")).fields.map(String));
    expect(dedicatedRows(batch)).toEqual(dedicatedRows(expected));
    // Spot checks of what those values are.
    const rows = dedicatedRows(batch);
    expect(rows[0]!.span_http_response_status_code).toBe("i500");
    expect(rows[0]!.span_http_route).toBe("s/cart");
    expect(rows[1]!.span_http_status_code).toBe("d1000");
    expect(rows[2]!.span_rpc_service).toBe("btrue");
    expect(rows[3]!.span_http_route).toBe("sfirst");
    expect(rows[4]!.span_db_system).toBe('spöstgres "q" \\ ✓\n\u0001');
    expect(rows[5]!.span_http_route).toBeNull();
    expect(rows[5]!.span_url_full).toBe("x");
    expect(rows[8]!.span_http_url).toBe("x");
    expect(rows[8]!.span_url_full).toBe("x");
    expect(rows[12]!.span_http_route).toBeNull();
    expect(rows[12]!.span_http_method).toBeNull();
    // The other columns are the plain decode's.
    expect(contractColumns(toPlainBatch(batch, contractSchemaOf(batch.schema, "traces")), "traces").toArray().map((r) => r.toJSON()))
      .toEqual(toPlainBatch(decodeExport("traces", body, "json", "b-1").batch!, tracesSchema).toArray().map((r) => r.toJSON()));
  });

  test("a string value that is not valid UTF-8 reads as its JSON text does", () => {
    const doc = request([span([kv("http.route", { stringValue: "ok-ÿÿ" }), kv("db.system", { stringValue: "ÿ" })])]);
    const bytes = otlpJsonToProtobuf(exportRequestType("traces"), doc);
    // "ÿ" is c3 bf in UTF-8: make every second byte of it a lone continuation byte.
    for (let i = 0; i + 1 < bytes.length; i++) if (bytes[i] === 0xc3 && bytes[i + 1] === 0xbf) bytes[i] = 0xbf;
    const { batch, expected } = decodeBoth(bytes, "protobuf");
    expect(dedicatedRows(batch)).toEqual(dedicatedRows(expected));
    expect(dedicatedRows(batch)[0]!.span_http_route).toContain("\ufffd");
  });

  test("a key first met far into a large request, and long runs of nulls (the columns' validity grows)", () => {
    const at = new Set([0, 2047, 2048, 3000, 4100, 5999]);
    const spans = Array.from({ length: 6000 }, (_, i) =>
      span(at.has(i) ? [kv("db.system", { stringValue: `db-${i}` })] : i === 3 ? [kv("rpc.method", { stringValue: "only-early" })] : [kv("a", { intValue: String(i) })]),
    );
    const { batch, expected } = decodeBoth(new TextEncoder().encode(JSON.stringify(request(spans))), "json");
    expect(dedicatedRows(batch)).toEqual(dedicatedRows(expected));
    const db = batch.getChild("span_db_system")!;
    expect([...at].map((row) => db.get(row))).toEqual([...at].map((row) => `sdb-${row}`));
    expect(db.nullCount).toBe(6000 - at.size);
    // Every column's bitmap covers every row, also where the nulls run to the end.
    for (const column of DEDICATED_COLUMNS) {
      const data = batch.getChild(column)!.data[0]!;
      if (data.nullCount > 0) expect(data.nullBitmap!.length).toBeGreaterThanOrEqual(Math.ceil(6000 / 8));
    }
    const back = tableFromIPC(tableToIPC(new Table(batch)));
    expect(back.getChild("span_db_system")!.toArray()).toEqual(db.toArray());
    expect(back.getChild("span_rpc_method")!.get(3)).toBe("sonly-early");
    expect(back.getChild("span_rpc_method")!.get(5999)).toBeNull();
  });

  test("many spans in one request (the columns grow)", () => {
    const spans = Array.from({ length: 3000 }, (_, i) =>
      span(i % 3 === 0 ? [] : [kv("http.route", { stringValue: `/r/${i}/${"x".repeat(i % 50)}` }), kv("service.name", { stringValue: `s${i % 7}` })]),
    );
    const { batch, expected } = decodeBoth(new TextEncoder().encode(JSON.stringify(request(spans))), "json");
    expect(batch.numRows).toBe(3000);
    expect(dedicatedRows(batch)).toEqual(dedicatedRows(expected));
  });
});

describe("batches with the dedicated columns", () => {
  const body = new TextEncoder().encode(JSON.stringify(request(SPANS.slice(0, 3))));
  const batch = decodeExport("traces", body, "json", "b-2", { wireForm: true, dedicated: true }).batch!;

  test("travel: the writer's schema check accepts them, and the contract's columns alone", () => {
    expect(hasDedicatedColumns(batch.schema)).toBe(true);
    expect(wireSchemaProblem(batch.schema, "traces")).toBeUndefined();
    expect(wireSchemaProblem(tracesSchema, "traces")).toBeUndefined();
    expect(wireSchemaProblem(withDedicatedSchema(tracesSchema), "logs")).toContain("do not match table logs");
  });

  test("withDedicatedColumns keeps them; contractColumns leaves them out", () => {
    expect(withDedicatedColumns(batch)).toBe(batch);
    const plain = toPlainBatch(batch, contractSchemaOf(batch.schema, "traces"));
    expect(plain.schema.fields.map((f) => f.name)).toEqual(withDedicatedSchema(tracesSchema).fields.map((f) => f.name));
    expect(contractColumns(plain, "traces").schema.fields.map(String)).toEqual(tracesSchema.fields.map(String));
    expect(Object.values(DEDICATED_SPAN_ATTRIBUTES).every((c) => plain.getChild(c) !== null)).toBe(true);
  });

  test("logs and metrics never get them", () => {
    const logs = decodeExport("logs", new TextEncoder().encode('{"resourceLogs":[]}'), "json", "l", { dedicated: true });
    expect(logs.batch).toBeNull();
  });
});
