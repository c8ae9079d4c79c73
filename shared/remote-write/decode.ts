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
 * In the wire form every column constant within a series (name, type, attributes, …) is a
 * dictionary (seriesWireSchema), and the columns of one value in the whole request are left
 * out, named in the schema (the narrow form, shared/tables/omitted-columns.ts): a sample
 * costs its time, value and an index per varying column, on the wire and in the WAL. What a series' labels decide is kept across requests
 * by their bytes (series-cache.ts): labels are decoded and checked once per series.
 * Native histograms, invalid series and samples whose time lies outside the acceptor's time
 * window (docs/operations.md, "What ingest and queries refuse") are refused (counted, with the
 * reason), exactly as OTLP points are: a time that does not fit the Int64 nanosecond column
 * would otherwise fail every later flush.
 */
import type { Schema } from "apache-arrow";
import { doubleJson } from "../otlp/anyvalue-json.ts";
import { OtlpDecodeError } from "../otlp/errors.ts";
import { INT64_TIME_WINDOW, timeNsProblem, type TimeWindow } from "../otlp/limits.ts";
import { Rejections } from "../otlp/rejections.ts";
import type { DecodedExport, DecodedRows } from "../otlp/types.ts";
import { int64ToDecimal, WIRE_I64, WIRE_LEN, WIRE_VARINT, WireReader } from "../otlp/wire-reader.ts";
import { metricsSchema, REMOTE_WRITE_METADATA_TYPE, REMOTE_WRITE_SAMPLE_TYPE, seriesWireSchema } from "../tables/index.ts";
import { ROW_NO_VALUE, ROW_STALE, ROW_VALUE, rowsToBatch, type RowRun } from "./columns.ts";
import { InflateScratch, SnappyError, snappyUncompress } from "./snappy.ts";
import { msWordsToNs, MsWindow, SampleScratch } from "./samples.ts";
import { EMPTY_BYTES, EMPTY_LIST_BYTES, SeriesCache, type SeriesBytes, type SeriesEntry } from "./series-cache.ts";

/** prometheus.MetricMetadata.MetricType, as the metadata API spells it. */
const METADATA_TYPES = ["unknown", "counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset"];

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * One TimeSeries as read: where its label fields lie (start, end pairs: decoded only when
 * the series cache does not know them), exemplars, and its samples in the decoder's scratch.
 */
interface Series {
  labelRanges: number[];
  exemplars: string[];
  histograms: number;
}

export function decodeRemoteWriteProtobuf(
  body: Uint8Array, batchId: string, schema: Schema = metricsSchema, nowMs = Date.now(), timeWindow: TimeWindow = INT64_TIME_WINDOW,
): DecodedRows {
  const encoder = new TextEncoder();
  const batchIdBytes = encoder.encode(batchId);
  const rejected = new Rejections();
  const window = new MsWindow(timeWindow);
  const samples = SERIES_SAMPLES;
  // Every row of the request, in order: its time (ns words), value and kind, and the runs of
  // rows that share a series. The columns are filled once all are known, run by run.
  const rows = REQUEST_ROWS;
  rows.length = 0;
  const runs: RowRun[] = [];
  const addRun = (series: SeriesBytes, from: number, exemplars: Uint8Array): void => {
    if (rows.length > from) runs.push({ series, from, to: rows.length, exemplars });
  };

  const cache = SERIES_CACHE;
  cache.startRequest();
  const sampleType = cache.bytesOf(REMOTE_WRITE_SAMPLE_TYPE);

  const r = new WireReader(body);
  while (r.pos < r.buf.length) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_LEN)) {
      samples.length = 0;
      const series = readSeries(r, r.delimitedEnd(), samples);
      const entry = seriesEntry(r, series.labelRanges, cache, sampleType);
      const count = samples.length + series.histograms;
      if (entry.problem !== undefined) {
        for (let i = 0; i < Math.max(count, 1); i++) rejected.add(entry.problem);
        continue;
      }
      for (let i = 0; i < series.histograms; i++) rejected.add("native histogram samples are not supported");
      const row = entry.row;
      const exemplars = series.exemplars.length === 0 ? EMPTY_LIST_BYTES : encoder.encode(`[${series.exemplars.join(",")}]`);
      const from = rows.length;
      for (let i = 0; i < samples.length; i++) {
        const ns = window.nsWords(samples.timeLo[i]!, samples.timeHi[i]!);
        if (ns === null) {
          rejected.add(timeNsProblem("sample timestamp", msWordsToNs(samples.timeLo[i]!, samples.timeHi[i]!), timeWindow) ?? "sample timestamp is out of range");
          continue;
        }
        rows.push(samples.values[i]!, samples.stale[i] === 1 ? ROW_STALE : ROW_VALUE, ns.lo, ns.hi);
      }
      if (rows.length === from && series.exemplars.length > 0) {
        const time = exemplarTime(series.exemplars);
        const timeProblem = timeNsProblem("exemplar timestamp", time, timeWindow);
        if (timeProblem !== undefined) rejected.add(timeProblem);
        else rows.push(0, ROW_NO_VALUE, Number(time & 0xffffffffn), Number(time >> 32n));
      }
      addRun(row, from, exemplars);
    } else if (tag === ((3 << 3) | WIRE_LEN)) {
      const meta = readMetadata(r, r.delimitedEnd());
      if (meta.name === "") rejected.add("metadata without metric_family_name");
      else {
        const time = BigInt(nowMs) * 1_000_000n;
        const row: SeriesBytes = {
          name: cache.bytesOf(meta.name), description: encoder.encode(meta.help), unit: cache.bytesOf(meta.unit), type: cache.bytesOf(REMOTE_WRITE_METADATA_TYPE),
          metadata: cache.bytesOf(`[{"key":"prometheus.type","value":{"stringValue":${JSON.stringify(meta.type)}}}]`),
          attributes: EMPTY_LIST_BYTES, resource: cache.resourceOf(""),
        };
        const from = rows.length;
        rows.push(0, ROW_NO_VALUE, Number(time & 0xffffffffn), Number(time >> 32n));
        addRun(row, from, EMPTY_LIST_BYTES);
      }
    } else r.skip(tag & 7);
  }
  const accepted = rows.length;
  if (accepted === 0) return { batch: null, accepted, rejected };
  return { batch: rowsToBatch(schema, rows, runs, batchIdBytes), accepted, rejected };
}

/**
 * Scratch reused by every request (decoding is synchronous): one series' samples as read, and
 * the request's accepted rows. Reuse spares a fresh allocation, and its page faults, per request.
 */
const SERIES_SAMPLES = new SampleScratch();
const REQUEST_ROWS = new SampleScratch();
/**
 * The inflated body of the request being decoded. Nothing keeps a view of it past the
 * request: labels, exemplars and metadata are copied out as strings or fresh bytes, samples
 * into the row scratch, and decoding is synchronous, so the next request may overwrite it.
 */
const INFLATED = new InflateScratch();
/** Series seen in earlier requests, by their label bytes (series-cache.ts). */
const SERIES_CACHE = new SeriesCache();

/**
 * What the label fields at `ranges` decide, from the cache or decoded and checked now; the
 * reader's position is left as it was.
 */
function seriesEntry(r: WireReader, ranges: readonly number[], cache: SeriesCache, sampleType: Uint8Array): SeriesEntry {
  let key = "";
  for (let i = 0; i < ranges.length; i += 2) key += r.latin1(ranges[i]!, ranges[i + 1]!);
  let entry = cache.get(key);
  if (entry) return entry;
  const pos = r.pos;
  const labels: [string, string][] = [];
  for (let i = 0; i < ranges.length; i += 2) {
    r.pos = ranges[i]!;
    while (r.pos < ranges[i + 1]!) {
      r.uint32();
      labels.push(readLabel(r, r.delimitedEnd()));
    }
  }
  r.pos = pos;
  const problem = labelsProblem(labels);
  if (problem !== undefined) entry = { problem };
  else {
    const name = labels.find((l) => l[0] === "__name__")![1];
    const job = labels.find((l) => l[0] === "job")?.[1] ?? "";
    entry = {
      row: {
        name: cache.bytesOf(name), description: EMPTY_BYTES, unit: EMPTY_BYTES, type: sampleType, metadata: EMPTY_LIST_BYTES,
        attributes: UTF8.encode(labelsJson(labels.filter((l) => l[0] !== "__name__"))),
        resource: cache.resourceOf(job),
      },
    };
  }
  cache.set(key, entry);
  return entry;
}

const UTF8 = new TextEncoder();

function readSeries(r: WireReader, end: number, samples: SampleScratch): Series {
  const s: Series = { labelRanges: [], exemplars: [], histograms: 0 };
  while (r.pos < end) {
    const start = r.pos;
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_LEN)) {
      // Label fields are skipped here, a run of them at once; seriesEntry reads them when it must.
      r.pos = r.delimitedEnd();
      while (r.pos < end && r.buf[r.pos] === ((1 << 3) | WIRE_LEN)) {
        r.pos++;
        r.pos = r.delimitedEnd();
      }
      s.labelRanges.push(start, r.pos);
    } else if (tag === ((2 << 3) | WIRE_LEN)) readSample(r, r.delimitedEnd(), samples);
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
function readSample(r: WireReader, end: number, samples: SampleScratch): void {
  // What every sender writes: the value (tag 0x09, 8 bytes) then the time (tag 0x10, varint).
  const p = r.pos;
  if (p + 10 < end && r.buf[p] === ((1 << 3) | WIRE_I64) && r.buf[p + 9] === ((2 << 3) | WIRE_VARINT)) {
    const vlo = r.view.getUint32(p + 1, true);
    const vhi = r.view.getUint32(p + 5, true);
    r.pos = p + 10;
    r.varint64();
    if (r.pos === end) {
      samples.push(r.view.getFloat64(p + 1, true), vhi === 0x7ff00000 && vlo === 2 ? 1 : 0, r.lo, r.hi);
      return;
    }
    r.pos = p;
  }
  let value = 0;
  let stale = false;
  let lo = 0;
  let hi = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_I64)) {
      r.fixed64();
      stale = r.hi === 0x7ff00000 && r.lo === 2;
      value = wordsToDouble(r.lo, r.hi);
    } else if (tag === ((2 << 3) | WIRE_VARINT)) {
      r.varint64();
      lo = r.lo;
      hi = r.hi;
    } else r.skip(tag & 7);
  }
  r.expectEnd(end);
  samples.push(value, stale ? 1 : 0, lo, hi);
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

/** Why a series with these labels cannot be stored (Prometheus refuses the same), or undefined. */
function labelsProblem(labels: readonly [string, string][]): string | undefined {
  const name = labels.find((l) => l[0] === "__name__");
  if (name === undefined || name[1] === "") return "series without a metric name (__name__)";
  const seen = new Set<string>();
  for (const [label] of labels) {
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
    body = snappyUncompress(compressed, maxBytes, INFLATED);
  } catch (err) {
    if (err instanceof SnappyError) throw new OtlpDecodeError(err.message);
    throw err;
  }
  const { batch, accepted, rejected } = decodeRemoteWriteProtobuf(body, batchId, options.wireForm ? seriesWireSchema() : metricsSchema, Date.now(), options.timeWindow);
  const rejectReason = rejected.message("samples");
  return rejectReason === undefined ? { batch, accepted, rejected: rejected.count } : { batch, accepted, rejected: rejected.count, rejectReason };
}
