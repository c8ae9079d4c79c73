/**
 * ExportMetricsServiceRequest (protobuf wire bytes) → rows of the `metrics` table: one row
 * per data point of every gauge, sum, histogram, exponential histogram and summary.
 */
import { KeyValueListText } from "./anyvalue-json.ts";
import type { AttributeLimits } from "./attribute-limits.ts";
import { BoolBuilder, buildRecordBatch, Float64Builder, Int32Builder, Int64Builder, RepeatedUtf8Column, Utf8Column } from "./columns.ts";
import { contextColumns, pushContext } from "./context-columns.ts";
import { contextProblem, forEachItem, type ResourceContext, type ScopeContext } from "./context.ts";
import { int64CountProblem, TimeCheck } from "./limits.ts";
import {
  readExponentialHistogramPoint,
  readHistogramPoint,
  readNumberPoint,
  readSummaryPoint,
  type MetricPoint,
} from "./metric-points.ts";
import { Rejections } from "./rejections.ts";
import type { Schema } from "apache-arrow";
import { metricsSchema } from "../tables/index.ts";
import type { DecodedRows } from "./types.ts";
import { WIRE_LEN, WIRE_VARINT, WireReader } from "./wire-reader.ts";

export type MetricType = "gauge" | "sum" | "histogram" | "exponential_histogram" | "summary";

/** Metric.data oneof field number → type and its data point reader. */
const DATA_FIELDS: Record<number, { type: MetricType; readPoint: (r: WireReader, end: number) => MetricPoint }> = {
  5: { type: "gauge", readPoint: readNumberPoint },
  7: { type: "sum", readPoint: readNumberPoint },
  9: { type: "histogram", readPoint: readHistogramPoint },
  10: { type: "exponential_histogram", readPoint: readExponentialHistogramPoint },
  11: { type: "summary", readPoint: readSummaryPoint },
};

/** What every row of one metric shares; `type` is an OTLP data type or a remote-write row kind. */
export interface MetricInfo {
  name: string;
  description: string;
  unit: string;
  type: MetricType | string;
  metadata: string;
  temporality: number;
  monotonic: boolean;
}

/** One builder per column of the metrics table (shared with the remote write decoder). */
export function metricsColumnBuilders() {
  return {
    batch_id: new RepeatedUtf8Column(),
    metric_name: new Utf8Column(),
    metric_description: new Utf8Column(),
    metric_unit: new Utf8Column(),
    metric_type: new Utf8Column(),
    metric_metadata: new Utf8Column(),
    aggregation_temporality: new Int32Builder(),
    is_monotonic: new BoolBuilder(),
    start_time_unix_nano: new Int64Builder(),
    time_unix_nano: new Int64Builder(),
    value_double: new Float64Builder(),
    value_int: new Int64Builder(),
    count: new Int64Builder(),
    sum: new Float64Builder(),
    min: new Float64Builder(),
    max: new Float64Builder(),
    distribution: new Utf8Column(),
    exemplars: new Utf8Column(),
    flags: new Int64Builder(),
    attributes: new Utf8Column(),
    ...contextColumns(),
  };
}

export type MetricsColumns = ReturnType<typeof metricsColumnBuilders>;

/** One row of the metrics table: a metric's facts, one data point, its resource and scope. */
export function pushMetricRow(
  c: MetricsColumns, batchIdBytes: Uint8Array, m: MetricInfo, p: MetricPoint, res: ResourceContext, scope: ScopeContext,
): void {
  c.batch_id.pushBytes(batchIdBytes);
  c.metric_name.push(m.name);
  c.metric_description.push(m.description);
  c.metric_unit.push(m.unit);
  c.metric_type.push(m.type);
  c.metric_metadata.push(m.metadata);
  c.aggregation_temporality.push(m.temporality);
  c.is_monotonic.push(m.monotonic);
  c.start_time_unix_nano.pushWords(p.startLo, p.startHi);
  c.time_unix_nano.pushWords(p.timeLo, p.timeHi);
  c.value_double.pushMaybe(p.valueDouble);
  if (p.hasValueInt) c.value_int.pushWords(p.valueIntLo, p.valueIntHi);
  else c.value_int.pushNull();
  if (p.hasCount) c.count.pushWords(p.countLo, p.countHi);
  else c.count.pushNull();
  c.sum.pushMaybe(p.sum);
  c.min.pushMaybe(p.min);
  c.max.pushMaybe(p.max);
  c.distribution.push(p.distribution);
  c.exemplars.push(p.exemplars);
  c.flags.pushWords(p.flags, 0);
  c.attributes.push(p.attributes);
  pushContext(c, res, scope);
}

/** `times`: the window data point times must lie in (limits.ts). */
export function decodeMetricsProtobuf(body: Uint8Array, batchId: string, schema: Schema = metricsSchema, times = new TimeCheck(), limits?: AttributeLimits): DecodedRows {
  const c = metricsColumnBuilders();
  const batchIdBytes = new TextEncoder().encode(batchId);
  const rejected = new Rejections();
  let accepted = 0;

  const pushPoint = (m: MetricInfo, p: MetricPoint, res: ResourceContext, scope: ScopeContext): void => {
    accepted++;
    pushMetricRow(c, batchIdBytes, m, p, res, scope);
  };

  const visitMetric = (r: WireReader, end: number, res: ResourceContext, scope: ScopeContext): void => {
    const m: MetricInfo = { name: "", description: "", unit: "", type: "gauge", metadata: "[]", temporality: 0, monotonic: false };
    const metadata = new KeyValueListText();
    // metadata (12) follows the data on the wire: remember where the data is, read it last.
    let dataStart = -1;
    let dataEnd = -1;
    let readPoint = readNumberPoint;
    while (r.pos < end) {
      const tag = r.uint32();
      const field = tag >>> 3;
      if (tag === ((1 << 3) | WIRE_LEN)) m.name = r.string();
      else if (tag === ((2 << 3) | WIRE_LEN)) m.description = r.string();
      else if (tag === ((3 << 3) | WIRE_LEN)) m.unit = r.string();
      else if (tag === ((12 << 3) | WIRE_LEN)) metadata.add(r);
      else if ((tag & 7) === WIRE_LEN && DATA_FIELDS[field] !== undefined) {
        dataEnd = r.delimitedEnd();
        dataStart = r.pos;
        m.type = DATA_FIELDS[field].type;
        readPoint = DATA_FIELDS[field].readPoint;
        r.pos = dataEnd;
      } else r.skip(tag & 7);
    }
    r.expectEnd(end);
    m.metadata = metadata.text();
    if (dataStart < 0) return; // no data: nothing to store
    r.pos = dataStart;
    const points = scanData(r, dataEnd, m);
    for (let i = 0; i < points.length; i += 2) {
      if (m.name === "") {
        rejected.add("metric name is empty");
        continue;
      }
      r.pos = points[i];
      const p = readPoint(r, points[i + 1]);
      r.expectEnd(points[i + 1]);
      const problem =
        times.problem("start_time_unix_nano", p.startLo, p.startHi) ??
        times.problem("time_unix_nano", p.timeLo, p.timeHi) ??
        (p.hasCount ? int64CountProblem("count", p.countHi) : undefined) ??
        contextProblem(res, scope) ??
        limits?.problem(p.attributeCount, p.largestAttributeValue);
      if (problem !== undefined) rejected.add(problem);
      else pushPoint(m, p, res, scope);
    }
    r.pos = end;
  };

  forEachItem(new WireReader(body), visitMetric);
  return { batch: accepted === 0 ? null : buildRecordBatch(schema, c), accepted, rejected };
}

/**
 * Reads a Gauge / Sum / Histogram / ExponentialHistogram / Summary body: sets temporality
 * and monotonicity on `m`, returns [start, end, start, end, …] of its data points.
 */
function scanData(r: WireReader, end: number, m: MetricInfo): number[] {
  const points: number[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_LEN)) {
      const e = r.delimitedEnd();
      points.push(r.pos, e);
      r.pos = e;
    } else if (tag === ((2 << 3) | WIRE_VARINT) && m.type !== "gauge" && m.type !== "summary") m.temporality = r.uint32() | 0;
    else if (tag === ((3 << 3) | WIRE_VARINT) && m.type === "sum") m.monotonic = r.uint32() !== 0;
    else r.skip(tag & 7);
  }
  r.expectEnd(end);
  return points;
}
