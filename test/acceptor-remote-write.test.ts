/**
 * Prometheus remote write on the acceptor's HTTP port: what is stored for samples, stale
 * markers, exemplars and metadata, and every way a sender's request can be refused (with the
 * status code that decides whether Prometheus retries).
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { snappyCompress } from "../shared/remote-write/index.ts";
import { SinkUnavailableError } from "../services/acceptor/sink.ts";
import { startTestAcceptor, type TestAcceptor } from "./helpers/acceptor-start.ts";
import { encodeWriteRequest, REMOTE_WRITE_HEADERS, remoteWriteBody } from "./helpers/remote-write-encode.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

let t: TestAcceptor;
beforeAll(async () => {
  t = await startTestAcceptor({ acceptor: { max_body_bytes: 64 * 1024 } });
});
afterAll(async () => {
  await t.stop();
});

const post = (path: string, body: Uint8Array | string, headers: Record<string, string> = REMOTE_WRITE_HEADERS, bucket = "rw") =>
  fetch(`${t.httpUrl}${path}`, { method: "POST", body, headers: { ...headers, "x-signalbox-bucket": bucket } });

describe("stored rows", () => {
  test("samples, a stale marker, exemplars and metadata land in the metrics table", async () => {
    const body = remoteWriteBody(
      [
        {
          labels: { __name__: "http_requests_total", job: "api", instance: "a:9090", code: "200" },
          samples: [{ value: 5, timestampMs: 1_700_000_000_000 }, { value: "stale", timestampMs: 1_700_000_015_000 }],
          exemplars: [{ labels: { trace_id: "abc" }, value: 1, timestampMs: 1_700_000_000_500 }],
        },
      ],
      [{ type: "counter", family: "http_requests_total", help: "Requests served.", unit: "" }],
    );
    const res = await post("/api/v1/write", body, REMOTE_WRITE_HEADERS, "stored");
    expect(res.status).toBe(204);
    const rows = t.sink.rows("metrics", "stored");
    expect(rows).toHaveLength(3);
    const [first, stale, meta] = rows as Record<string, any>[];
    expect(first).toMatchObject({ metric_name: "http_requests_total", metric_type: "prometheus", value_double: 5, flags: 0n, service_name: "api" });
    expect(first!.time_unix_nano).toBe(1_700_000_000_000_000_000n);
    expect(JSON.parse(first!.attributes)).toEqual([
      { key: "code", value: { stringValue: "200" } },
      { key: "instance", value: { stringValue: "a:9090" } },
      { key: "job", value: { stringValue: "api" } },
    ]);
    expect(JSON.parse(first!.exemplars)).toEqual([
      { filteredAttributes: [{ key: "trace_id", value: { stringValue: "abc" } }], timeUnixNano: "1700000000500000000", asDouble: 1 },
    ]);
    expect(stale).toMatchObject({ flags: 1n, exemplars: "[]" });
    expect(Number.isNaN(stale!.value_double)).toBe(true);
    expect(meta).toMatchObject({ metric_type: "prometheus_metadata", metric_name: "http_requests_total", metric_description: "Requests served." });
    expect(JSON.parse(meta!.metric_metadata)).toEqual([{ key: "prometheus.type", value: { stringValue: "counter" } }]);
  });

  test("/api/v1/push is the same endpoint", async () => {
    const res = await post("/api/v1/push", remoteWriteBody([{ labels: { __name__: "up" }, samples: [{ value: 1, timestampMs: 1 }] }]), REMOTE_WRITE_HEADERS, "push");
    expect(res.status).toBe(204);
    expect(t.sink.rowCount("metrics", "push")).toBe(1);
  });
});

describe("refusals", () => {
  test("a sample whose time does not fit the table (past 2262, before 1970) → 400 naming it; the rest stored", async () => {
    const body = remoteWriteBody([
      {
        labels: { __name__: "poison_time", job: "api" },
        samples: [
          { value: 1, timestampMs: 1_700_000_000_000 },
          { value: 2, timestampMs: 9_000_000_000_000_000 },
          { value: 3, timestampMs: -5 },
        ],
      },
    ]);
    const res = await post("/api/v1/write", body, REMOTE_WRITE_HEADERS, "poison");
    expect(res.status).toBe(400);
    const reason = await res.text();
    expect(reason).toContain("sample timestamp does not fit int64 nanoseconds");
    expect(reason).toContain("sample timestamp is before 1970");
    const rows = t.sink.rows("metrics", "poison") as Record<string, any>[];
    expect(rows.map((r) => r.value_double)).toEqual([1]);
  });

  test("garbage that is not snappy → 400 naming snappy, nothing stored", async () => {
    const res = await post("/api/v1/write", new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), REMOTE_WRITE_HEADERS, "bad1");
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("snappy");
    expect(t.sink.rowCount("metrics", "bad1")).toBe(0);
  });

  test("snappy around something that is not a WriteRequest → 400", async () => {
    const res = await post("/api/v1/write", snappyCompress(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 1])), REMOTE_WRITE_HEADERS, "bad2");
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("malformed protobuf");
  });

  test("an uncompressed protobuf body (wrong snappy) → 400", async () => {
    const res = await post("/api/v1/write", encodeWriteRequest([{ labels: { __name__: "up" }, samples: [{ value: 1, timestampMs: 1 }] }]), REMOTE_WRITE_HEADERS, "bad3");
    expect(res.status).toBe(400);
  });

  test("a series without a name is refused with the reason, the valid ones stored", async () => {
    const body = remoteWriteBody([
      { labels: { job: "x" }, samples: [{ value: 1, timestampMs: 1 }] },
      { labels: { __name__: "ok" }, samples: [{ value: 2, timestampMs: 1 }] },
    ]);
    const res = await post("/api/v1/write", body, REMOTE_WRITE_HEADERS, "partial");
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("series without a metric name");
    expect(t.sink.rowCount("metrics", "partial")).toBe(1);
  });

  test("wrong content type, encoding or remote write 2.0 → 415", async () => {
    const body = remoteWriteBody([{ labels: { __name__: "up" }, samples: [{ value: 1, timestampMs: 1 }] }]);
    expect((await post("/api/v1/write", body, { ...REMOTE_WRITE_HEADERS, "content-type": "application/json" })).status).toBe(415);
    expect((await post("/api/v1/write", body, { ...REMOTE_WRITE_HEADERS, "content-encoding": "gzip" })).status).toBe(415);
    const v2 = { ...REMOTE_WRITE_HEADERS, "content-type": "application/x-protobuf;proto=io.prometheus.write.v2.Request" };
    expect((await post("/api/v1/write", body, v2)).status).toBe(415);
  });

  test("a body that inflates past max_body_bytes → 413", async () => {
    const series = Array.from({ length: 2000 }, (_, i) => ({ labels: { __name__: "big", i: String(i) }, samples: [{ value: i, timestampMs: 1 }] }));
    const res = await post("/api/v1/write", remoteWriteBody(series), REMOTE_WRITE_HEADERS, "big");
    expect(res.status).toBe(413);
    expect(t.sink.rowCount("metrics", "big")).toBe(0);
  });

  test("GET → 405; storage unavailable → 503 with Retry-After (Prometheus retries)", async () => {
    expect((await fetch(`${t.httpUrl}/api/v1/write`)).status).toBe(405);
    t.sink.failWith = new SinkUnavailableError("no writer quorum", 2);
    try {
      const res = await post("/api/v1/write", remoteWriteBody([{ labels: { __name__: "up" }, samples: [{ value: 1, timestampMs: 1 }] }]));
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("2");
    } finally {
      t.sink.failWith = undefined;
    }
  });
});
