import { describe, expect, setDefaultTimeout, test } from "bun:test";
import type { RecordBatch } from "apache-arrow";
import { remoteWriteBody, type RwSeries } from "../../test/helpers/remote-write-encode.ts";
import { metricsSchema, OMITTED_COLUMNS_KEY, restoreOmitted, toPlainBatch } from "../tables/index.ts";
import { decodeRemoteWrite } from "./decode.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../test/helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const rowsOf = (batch: RecordBatch) => batch.toArray().map((row) => ({ ...row.toJSON() }));
const t0 = 1_700_000_000_000;

function both(series: RwSeries[], metadata: Parameters<typeof remoteWriteBody>[1] = []) {
  const body = remoteWriteBody(series, metadata);
  const plain = decodeRemoteWrite(body, "b", 1 << 20).batch!;
  const narrow = decodeRemoteWrite(body, "b", 1 << 20, { wireForm: true }).batch!;
  return { plain, narrow };
}

describe("the narrow wire form of remote write", () => {
  test("leaves out the columns of one value and restores them to the very rows", () => {
    const { plain, narrow } = both([
      { labels: { __name__: "up", job: "a" }, samples: [{ value: 1, timestampMs: t0 }, { value: 0, timestampMs: t0 + 15_000 }] },
      { labels: { __name__: "up", job: "b" }, samples: [{ value: 1, timestampMs: t0 }] },
    ]);
    expect(narrow.schema.metadata.has(OMITTED_COLUMNS_KEY)).toBe(true);
    const sent = narrow.schema.fields.map((f) => f.name);
    expect(sent).toEqual(["batch_id", "time_unix_nano", "value_double", "attributes", "service_name"]);
    const restored = restoreOmitted(narrow, "metrics");
    expect(restored.schema.fields.map((f) => f.name)).toEqual(metricsSchema.fields.map((f) => f.name));
    expect(restored.schema.metadata.has(OMITTED_COLUMNS_KEY)).toBe(false);
    expect(rowsOf(toPlainBatch(restored, metricsSchema))).toEqual(rowsOf(plain));
  });

  test("stale markers, exemplars and metadata keep the columns they vary", () => {
    const { plain, narrow } = both(
      [
        { labels: { __name__: "req_total", job: "api" }, samples: [{ value: 5, timestampMs: t0 }, { value: "stale", timestampMs: t0 + 1 }], exemplars: [{ labels: { trace_id: "abc" }, value: 1, timestampMs: t0 }] },
      ],
      [{ type: "counter", family: "req_total", help: "requests", unit: "" }],
    );
    const sent = new Set(narrow.schema.fields.map((f) => f.name));
    for (const name of ["flags", "exemplars", "metric_type", "metric_description", "metric_metadata"]) expect(sent.has(name)).toBe(true);
    // A metadata row is stamped with the clock when decoded: the two decodes differ there only.
    const unstamped = (rows: Record<string, unknown>[]) => rows.map((r) => (r.metric_type === "prometheus_metadata" ? { ...r, time_unix_nano: 0n } : r));
    expect(unstamped(rowsOf(toPlainBatch(restoreOmitted(narrow, "metrics"), metricsSchema)))).toEqual(unstamped(rowsOf(plain)));
  });

  test("a batch that names no omitted columns is returned as it is", () => {
    const { plain } = both([{ labels: { __name__: "up" }, samples: [{ value: 1, timestampMs: t0 }] }]);
    expect(restoreOmitted(plain, "metrics")).toBe(plain);
  });
});
