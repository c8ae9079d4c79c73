/**
 * Prometheus remote write 1.0 (`prometheus.WriteRequest`, protobuf, after snappy) → rows of
 * the `metrics` table, beside the OTLP data points so one PromQL query sees both:
 * - a sample is a row with `metric_type` = "prometheus" (REMOTE_WRITE_SAMPLE_TYPE): the
 *   read path takes its name and labels as sent and never renormalises them. `metric_name` is
 *   `__name__`, `attributes` the other labels (sorted, OTLP/JSON string values),
 *   `service_name` the `job` label (the tables sort by it), the value in `value_double`;
 * - a stale marker (the NaN with Prometheus's stale bits) is kept: `flags` = 1 (OTLP's "no
 *   recorded value", which the read path turns back into the marker);
 * - a series' exemplars ride on its first sample row as OTLP/JSON exemplars (labels as
 *   `filteredAttributes`); a series with exemplars and no sample gets a row whose value is null;
 * - metadata is a row with `metric_type` = "prometheus_metadata", `metric_description` = help,
 *   `metric_unit` = unit and the type as `prometheus.type` in `metric_metadata`.
 * Native histograms, invalid series and samples whose time lies outside the acceptor's time
 * window (docs/operations.md, "What ingest and queries refuse") are refused (counted, with the
 * reason), exactly as OTLP points are: a time that does not fit the Int64 nanosecond column
 * would otherwise fail every later flush.
 */
import type { Schema } from "apache-arrow";
import { doubleJson } from "../otlp/anyvalue-json.ts";
import { buildRecordBatch } from "../otlp/columns.ts";
import { metricsColumnBuilders, pushMetricRow } from "../otlp/decode-metrics.ts";
import { newPoint } from "../otlp/metric-points.ts";
import { EMPTY_SCOPE, type ResourceContext } from "../otlp/context.ts";
import { OtlpDecodeError } from "../otlp/errors.ts";
import { INT64_TIME_WINDOW, timeNsProblem, type TimeWindow } from "../otlp/limits.ts";
import { Rejections } from "../otlp/rejections.ts";
import type { DecodedExport, DecodedRows } from "../otlp/types.ts";
import { int64ToDecimal, WIRE_I64, WIRE_LEN, WIRE_VARINT, WireReader } from "../otlp/wire-reader.ts";
import { metricsSchema, REMOTE_WRITE_METADATA_TYPE, REMOTE_WRITE_SAMPLE_TYPE, RepeatedUtf8Column, wireSchema } from "../tables/index.ts";
import { SnappyError, snappyUncompress } from "./snappy.ts";

/** prometheus.MetricMetadata.MetricType, as the metadata API spells it. */
const METADATA_TYPES = ["unknown", "counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset"];

const NO_RECORDED_VALUE = 1;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Series {
  labels: [string, string][];
  /** Per sample: value, stale marker or not, time in ns. */
  values: number[];
  stale: boolean[];
  times: bigint[];
  exemplars: string[];
  histograms: number;
}

export function decodeRemoteWriteProtobuf(
  body: Uint8Array, batchId: string, schema: Schema = metricsSchema, nowMs = Date.now(), timeWindow: TimeWindow = INT64_TIME_WINDOW,
): DecodedRows {
  const c = metricsColumnBuilders();
  const encoder = new TextEncoder();
  const batchIdBytes = encoder.encode(batchId);
  const sampleType = REMOTE_WRITE_SAMPLE_TYPE;
  const metadataType = REMOTE_WRITE_METADATA_TYPE;
  const rejected = new Rejections();
  let accepted = 0;

  const pushRow = (
    type: string, name: string, time: bigint, value: number | undefined, flags: number,
    attributes: string, exemplars: string, resource: ResourceContext, meta?: { help: string; unit: string; type: string },
  ): void => {
    accepted++;
    const metric = {
      name, type, temporality: 0, monotonic: false,
      description: meta?.help ?? "",
      unit: meta?.unit ?? "",
      metadata: meta ? `[{"key":"prometheus.type","value":{"stringValue":${JSON.stringify(meta.type)}}}]` : "[]",
    };
    const point = newPoint();
    point.timeLo = Number(time & 0xffffffffn);
    point.timeHi = Number(time >> 32n);
    point.valueDouble = value;
    point.flags = flags;
    point.attributes = attributes;
    point.exemplars = exemplars;
    pushMetricRow(c, batchIdBytes, metric, point, resource, EMPTY_SCOPE);
  };

  const jobResources = new Map<string, ResourceContext>();
  const resourceOf = (job: string): ResourceContext => {
    let found = jobResources.get(job);
    if (!found) {
      found = { attributes: encoder.encode("[]"), droppedAttributesCount: 0, schemaUrl: new Uint8Array(0), serviceName: encoder.encode(job) };
      jobResources.set(job, found);
    }
    return found;
  };

  const r = new WireReader(body);
  while (r.pos < r.buf.length) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_LEN)) {
      const series = readSeries(r, r.delimitedEnd());
      const problem = seriesProblem(series);
      const count = series.values.length + series.histograms;
      if (problem !== undefined) {
        for (let i = 0; i < Math.max(count, 1); i++) rejected.add(problem);
        continue;
      }
      for (let i = 0; i < series.histograms; i++) rejected.add("native histogram samples are not supported");
      const name = series.labels.find((l) => l[0] === "__name__")![1];
      const job = series.labels.find((l) => l[0] === "job")?.[1] ?? "";
      const attributes = labelsJson(series.labels.filter((l) => l[0] !== "__name__"));
      const exemplars = `[${series.exemplars.join(",")}]`;
      const resource = resourceOf(job);
      let exemplarsKept = false;
      for (let i = 0; i < series.values.length; i++) {
        const timeProblem = timeNsProblem("sample timestamp", series.times[i]!, timeWindow);
        if (timeProblem !== undefined) {
          rejected.add(timeProblem);
          continue;
        }
        const stale = series.stale[i]!;
        pushRow(sampleType, name, series.times[i]!, series.values[i], stale ? NO_RECORDED_VALUE : 0, attributes, exemplarsKept ? "[]" : exemplars, resource);
        exemplarsKept = true;
      }
      if (!exemplarsKept && series.exemplars.length > 0) {
        const time = exemplarTime(series.exemplars);
        const timeProblem = timeNsProblem("exemplar timestamp", time, timeWindow);
        if (timeProblem !== undefined) rejected.add(timeProblem);
        else pushRow(sampleType, name, time, undefined, 0, attributes, exemplars, resource);
      }
    } else if (tag === ((3 << 3) | WIRE_LEN)) {
      const meta = readMetadata(r, r.delimitedEnd());
      if (meta.name === "") rejected.add("metadata without metric_family_name");
      else pushRow(metadataType, meta.name, BigInt(nowMs) * 1_000_000n, undefined, 0, "[]", "[]", resourceOf(""), meta);
    } else r.skip(tag & 7);
  }
  return { batch: accepted === 0 ? null : buildRecordBatch(schema, c), accepted, rejected };
}

function readSeries(r: WireReader, end: number): Series {
  const s: Series = { labels: [], values: [], stale: [], times: [], exemplars: [], histograms: 0 };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_LEN)) s.labels.push(readLabel(r, r.delimitedEnd()));
    else if (tag === ((2 << 3) | WIRE_LEN)) readSample(r, r.delimitedEnd(), s);
    else if (tag === ((3 << 3) | WIRE_LEN)) s.exemplars.push(readExemplar(r, r.delimitedEnd()));
    else if (tag === ((4 << 3) | WIRE_LEN)) {
      r.pos = r.delimitedEnd();
      s.histograms++;
    } else r.skip(tag & 7);
  }
  r.expectEnd(end);
  return s;
}

function readLabel(r: WireReader, end: number): [string, string] {
  let name = "";
  let value = "";
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_LEN)) name = r.string();
    else if (tag === ((2 << 3) | WIRE_LEN)) value = r.string();
    else r.skip(tag & 7);
  }
  r.expectEnd(end);
  return [name, value];
}

/** Sample { double value = 1; int64 timestamp = 2; }: the value's bits decide staleness. */
function readSample(r: WireReader, end: number, s: Series): void {
  let value = 0;
  let stale = false;
  let time = 0n;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_I64)) {
      r.fixed64();
      stale = r.hi === 0x7ff00000 && r.lo === 2;
      value = wordsToDouble(r.lo, r.hi);
    } else if (tag === ((2 << 3) | WIRE_VARINT)) {
      r.varint64();
      time = BigInt(int64ToDecimal(r.lo, r.hi)) * 1_000_000n;
    } else r.skip(tag & 7);
  }
  r.expectEnd(end);
  s.values.push(value);
  s.stale.push(stale);
  s.times.push(time);
}

/** Exemplar { repeated Label labels = 1; double value = 2; int64 timestamp = 3; } → OTLP/JSON. */
function readExemplar(r: WireReader, end: number): string {
  const labels: [string, string][] = [];
  let value = 0;
  let time = 0n;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_LEN)) labels.push(readLabel(r, r.delimitedEnd()));
    else if (tag === ((2 << 3) | WIRE_I64)) value = r.double();
    else if (tag === ((3 << 3) | WIRE_VARINT)) {
      r.varint64();
      time = BigInt(int64ToDecimal(r.lo, r.hi)) * 1_000_000n;
    } else r.skip(tag & 7);
  }
  r.expectEnd(end);
  return `{"filteredAttributes":${labelsJson(labels)},"timeUnixNano":"${time}","asDouble":${doubleJson(value)}}`;
}

function readMetadata(r: WireReader, end: number): { name: string; help: string; unit: string; type: string } {
  const meta = { name: "", help: "", unit: "", type: "unknown" };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_VARINT)) meta.type = METADATA_TYPES[r.uint32()] ?? "unknown";
    else if (tag === ((2 << 3) | WIRE_LEN)) meta.name = r.string();
    else if (tag === ((4 << 3) | WIRE_LEN)) meta.help = r.string();
    else if (tag === ((5 << 3) | WIRE_LEN)) meta.unit = r.string();
    else r.skip(tag & 7);
  }
  r.expectEnd(end);
  return meta;
}

/** Why a series cannot be stored (Prometheus refuses the same), or undefined. */
function seriesProblem(s: Series): string | undefined {
  const name = s.labels.find((l) => l[0] === "__name__");
  if (name === undefined || name[1] === "") return "series without a metric name (__name__)";
  const seen = new Set<string>();
  for (const [label] of s.labels) {
    if (!LABEL_NAME.test(label) && label !== "__name__") return `invalid label name ${JSON.stringify(label)}`;
    if (seen.has(label)) return `duplicate label ${JSON.stringify(label)}`;
    seen.add(label);
  }
  return undefined;
}

/** Labels → OTLP/JSON KeyValue list, sorted by name, empty values left out. */
function labelsJson(labels: [string, string][]): string {
  const kept = labels.filter((l) => l[1] !== "").sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return `[${kept.map(([k, v]) => `{"key":${JSON.stringify(k)},"value":{"stringValue":${JSON.stringify(v)}}}`).join(",")}]`;
}

function exemplarTime(exemplars: string[]): bigint {
  const match = /"timeUnixNano":"(-?\d+)"/.exec(exemplars[0]!);
  return match ? BigInt(match[1]!) : 0n;
}

const scratch = new DataView(new ArrayBuffer(8));

function wordsToDouble(lo: number, hi: number): number {
  scratch.setUint32(0, lo, true);
  scratch.setUint32(4, hi, true);
  return scratch.getFloat64(0, true);
}

/**
 * A remote write request body (snappy block) → rows, like decodeExport for OTLP: a body that
 * is not snappy or not a WriteRequest throws OtlpDecodeError (→ 400); one that inflates past
 * `maxBytes` throws SnappyTooLargeError (→ 413).
 */
export function decodeRemoteWrite(
  compressed: Uint8Array, batchId: string, maxBytes: number, options: { wireForm?: boolean; timeWindow?: TimeWindow } = {},
): DecodedExport {
  let body: Uint8Array;
  try {
    body = snappyUncompress(compressed, maxBytes);
  } catch (err) {
    if (err instanceof SnappyError) throw new OtlpDecodeError(err.message);
    throw err;
  }
  const { batch, accepted, rejected } = decodeRemoteWriteProtobuf(body, batchId, options.wireForm ? wireSchema("metrics") : metricsSchema, Date.now(), options.timeWindow);
  const rejectReason = rejected.message("samples");
  return rejectReason === undefined ? { batch, accepted, rejected: rejected.count } : { batch, accepted, rejected: rejected.count, rejectReason };
}
