/**
 * Samples of a range aggregation: each entry of the log range through its pipeline, turned
 * into a value (1 per entry, its bytes, or the unwrapped label) and keyed by the entry's
 * labels after the pipeline — one series per distinct label set, as Loki forms them.
 */
import { keepLabels, labelsKey, withoutLabels } from "../../series/labels.ts";
import type { Labels } from "../../series/types.ts";
import { QueryError } from "../errors.ts";
import type { LogRange, RangeOp, Stage, UnwrapConversion } from "./ast.ts";
import type { Bounds } from "./bounds.ts";
import { compileLabelFilter, goParseFloat } from "./label-filters.ts";
import { entryLabelValue, ERROR_DETAILS_LABEL, ERROR_LABEL, SAMPLE_EXTRACTION_ERROR } from "./labels-builder.ts";
import { splitLineFilterHints } from "./line-filters.ts";
import { compilePipeline } from "./pipeline.ts";
import { parsedSampleHint } from "./parsed-samples.ts";
import { inTimeOrder } from "../../series/index.ts";
import type { LogSampleGroup, LogSource, LogStream } from "./source.ts";
import { goDurationSeconds, parseBytes } from "./units.ts";

/**
 * One series' samples in time order. Times are nanoseconds after the query's `originNs`, as
 * float64: exact over 104 days (a bigint per sample costs an allocation at every compare).
 */
export interface SampleSeries {
  labels: Labels;
  originNs: bigint;
  offsetsNs: Float64Array;
  values: Float64Array;
}

const BYTE_OPS = new Set<RangeOp>(["bytes_over_time", "bytes_rate"]);
const encoder = new TextEncoder();

function converter(conversion: UnwrapConversion | undefined): (text: string) => number | undefined {
  switch (conversion) {
    case "bytes":
      return (v: string) => parseBytes(v);
    case "duration":
    case "duration_seconds":
      return (v: string) => goDurationSeconds(v);
    default:
      return (v: string) => goParseFloat(v);
  }
}

/** Loki's message for a metric series that kept an `__error__` label. */
export function pipelineError(labels: Labels): QueryError {
  const err = labels[ERROR_LABEL];
  const shown = `{${Object.keys(labels).sort().map((k) => `${k}="${labels[k]}"`).join(", ")}}`;
  return QueryError.invalid(
    `pipeline error: '${err}' for series: '${shown}'.\n` +
      `Use a label filter to intentionally skip this error. (e.g | __error__!="${err}").\n` +
      `To skip all potential errors you can match empty errors.(e.g __error__="")\n` +
      `The label filter can also be specified after unwrap. (e.g | unwrap latency | __error__="" )\n`,
  );
}

/**
 * `| drop __error__, __error_details__` with no stage before it that can set an error (only line
 * filters precede): a no-op — Grafana's logs-volume query has it.
 */
function dropsOnlyErrors(s: Stage): boolean {
  return s.kind === "drop" && s.labels.every((l) => !l.matcher && (l.name === ERROR_LABEL || l.name === ERROR_DETAILS_LABEL));
}

interface Builder {
  labels: Labels;
  /** Samples of entries the pipeline read, one by one. */
  ts: number[];
  values: number[];
  /** A source's grouped samples, kept as it gave them until the series is finished. */
  groups: LogSampleGroup[];
}

/**
 * Reads the entries with time in (startNs, endNs] — Loki's windows are left-open — and
 * returns their series. `grouping` is the range aggregation's own `by`/`without`, or the `by`
 * of an enclosing `sum` pushed down (metric-eval.ts). A grouped series still fails on an
 * entry with `__error__`, as the ungrouped one would.
 */
export async function collectSamples(
  source: LogSource,
  op: RangeOp,
  range: LogRange,
  grouping: { without: boolean; labels: string[] } | undefined,
  startNs: bigint,
  endNs: bigint,
  bounds: Bounds,
  signal: AbortSignal | undefined,
): Promise<SampleSeries[]> {
  const { hints, rest } = splitLineFilterHints(range.query.pipeline);
  const pipeline = compilePipeline(rest);
  const unwrap = range.unwrap;
  const convert = unwrap ? converter(unwrap.conversion) : undefined;
  const postFilters = unwrap?.postFilters.map(compileLabelFilter) ?? [];
  const byLabels = grouping && !grouping.without ? grouping.labels : undefined;
  const dropLabels = [...(grouping?.without ? grouping.labels : []), ...(unwrap ? [unwrap.label] : [])];
  // No stage and a grouping: only the grouping labels of each entry matter (the logs-volume
  // query's shape) — asked of the source when it can group, else read without a labels builder.
  const direct = rest.every(dropsOnlyErrors) && !unwrap && byLabels !== undefined;
  // `| logfmt` and a grouping: the source may decide the few labels needed (parsed-samples.ts).
  const hint = direct ? { value: BYTE_OPS.has(op) ? ("bytes" as const) : ("count" as const) } : parsedSampleHint(op, range, rest, byLabels);
  const matchers = range.query.matchers.map(({ name, op: mop, value }) => ({ name, op: mop, value }));
  const span = { matchers, startNs: startNs + 1n, endNs: endNs + 1n, ...(hints.length > 0 ? { lineFilters: hints } : {}) };
  const bySeries = new Map<string, Builder>();
  let streams: LogStream[];
  let groups: readonly LogSampleGroup[] = [];
  const answer = hint && source.selectSamples ? await bounds.guard(() => source.selectSamples!({ ...span, groupBy: byLabels!, ...hint }, signal)) : undefined;
  if (answer) {
    streams = answer.rest;
    groups = answer.groups;
  } else streams = await bounds.guard(() => source.select({ ...span, direction: "forward" }, signal));
  let pending = 0;
  for (const stream of streams) {
    for (const entry of stream.entries) {
      bounds.tick();
      if (entry.timestampNs <= startNs || entry.timestampNs > endNs) continue;
      if (direct) {
        let key = "";
        for (const name of byLabels) key += `${entryLabelValue(stream.labels, entry.metadata, name)}\xff`;
        let series = bySeries.get(key);
        if (!series) {
          const labels: Record<string, string> = {};
          for (const name of byLabels) {
            const v = entryLabelValue(stream.labels, entry.metadata, name);
            if (v !== "") labels[name] = v;
          }
          bySeries.set(key, (series = { labels, ts: [], values: [], groups: [] }));
        }
        series.ts.push(Number(entry.timestampNs - startNs));
        series.values.push(BYTE_OPS.has(op) ? encoder.encode(entry.line).length : 1);
        if (++pending === 4096) {
          bounds.hold(pending);
          pending = 0;
        }
        continue;
      }
      const processed = pipeline(stream.labels, entry.metadata, entry.line, entry.timestampNs);
      if (!processed) continue;
      const lbs = processed.labels;
      let value = 1;
      if (unwrap) {
        const text = lbs.get(unwrap.label);
        if (text === undefined || text === "") continue;
        const v = convert!(text);
        if (v === undefined) {
          lbs.setError(SAMPLE_EXTRACTION_ERROR, `strconv.ParseFloat: parsing ${JSON.stringify(text)}: invalid syntax`);
          value = 0;
        } else value = v;
        if (!postFilters.every((f) => f(lbs))) continue;
      } else if (BYTE_OPS.has(op)) value = encoder.encode(processed.line).length;
      let key: string;
      let labels: Labels | undefined;
      if (byLabels) {
        // Grouped: only the grouping labels matter, read without building the whole set.
        if (lbs.err && op !== "absent_over_time") throw pipelineError(lbs.map());
        key = "";
        for (const name of byLabels) key += `${lbs.get(name) ?? ""}\xff`;
      } else {
        const all = lbs.map();
        labels = dropLabels.length > 0 ? withoutLabels(all, dropLabels) : all;
        key = labelsKey(labels);
      }
      let series = bySeries.get(key);
      if (!series) bySeries.set(key, (series = { labels: labels ?? keepLabels(lbs.map(), byLabels!), ts: [], values: [], groups: [] }));
      series.ts.push(Number(entry.timestampNs - startNs));
      series.values.push(value);
      // Counted in batches: the bound stops a query before its samples exhaust memory.
      if (++pending === 4096) {
        bounds.hold(pending);
        pending = 0;
      }
    }
  }
  bounds.hold(pending);
  addGroups(bySeries, groups, byLabels ?? [], bounds);
  return finish(bySeries, op, startNs, endNs, bounds);
}

/** A source's grouped samples added to the series, keyed as the entries' grouped series are (groups with equal labels merged). */
function addGroups(bySeries: Map<string, Builder>, groups: readonly LogSampleGroup[], byLabels: readonly string[], bounds: Bounds): void {
  for (const g of groups) {
    bounds.check();
    let key = "";
    for (const name of byLabels) key += `${g.labels[name] ?? ""}\xff`;
    let series = bySeries.get(key);
    if (!series) bySeries.set(key, (series = { labels: g.labels, ts: [], values: [], groups: [] }));
    series.groups.push(g);
    bounds.hold(g.offsetsNs.length);
  }
}

/**
 * Each series' samples in one pair of arrays, in time order: the entries' samples, then the
 * groups' within (startNs, endNs] (offsets moved to `startNs`), earliest group first — groups
 * in time order (log-sample-files.ts) that do not overlap need no sort.
 */
function finish(bySeries: Map<string, Builder>, op: RangeOp, startNs: bigint, endNs: bigint, bounds: Bounds): SampleSeries[] {
  const span = Number(endNs - startNs);
  const out: SampleSeries[] = [];
  for (const s of bySeries.values()) {
    if (s.labels[ERROR_LABEL] && op !== "absent_over_time") throw pipelineError(s.labels);
    let n = s.ts.length;
    for (const g of s.groups) n += g.offsetsNs.length;
    let ts = new Float64Array(n);
    let values = new Float64Array(n);
    ts.set(s.ts);
    values.set(s.values);
    let k = s.ts.length;
    const first = (g: LogSampleGroup) => (g.offsetsNs.length === 0 ? 0 : g.offsetsNs[0]! + Number(g.originNs - startNs));
    for (const g of [...s.groups].sort((a, b) => first(a) - first(b))) {
      bounds.check();
      const shift = Number(g.originNs - startNs);
      const { offsetsNs, values: groupValues } = g;
      for (let i = 0; i < offsetsNs.length; i++) {
        const t = offsetsNs[i]! + shift;
        if (t <= 0 || t > span) continue;
        ts[k] = t;
        values[k++] = groupValues ? groupValues[i]! : 1;
      }
    }
    if (k < n) {
      ts = ts.subarray(0, k);
      values = values.subarray(0, k);
    }
    // Streams merged into one series interleave: put the samples in time order.
    const ordered = inTimeOrder(ts, values);
    out.push({ labels: s.labels, originNs: startNs, offsetsNs: ordered.ts, values: ordered.values });
  }
  return out;
}
