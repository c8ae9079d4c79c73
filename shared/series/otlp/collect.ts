/**
 * Builds the RawSeries a selector asks for out of stored `metrics` rows: each row's family
 * decides its series (family.ts), its samples come from expand.ts, its labels from the point
 * attributes and the resource (attributes.ts); rows written by remote write keep their labels.
 * Samples of one series are put in time order; two samples at one millisecond keep the last.
 */
import { staleFlags, writeStaleMarker } from "../samples.ts";
import { METRIC_NAME_LABEL, type LabelMatcher, type Labels, type RawSeries } from "../types.ts";
import { attributeEntries, attributeLabels, resourceLabels, type ResourceLabels } from "./attributes.ts";
import { expandRow, formatBound, STALE, type MetricRow } from "./expand.ts";
import { metricFamily, seriesNames, type MetricFamily, type MetricIdentity } from "./family.ts";
import { labelsKey } from "../labels.ts";
import { compileMatcher, matchesAll } from "../matchers.ts";
import { timeOrder } from "../time-order.ts";

/** A stored row: identity, point and the attribute texts. */
export interface StoredMetricRow extends MetricIdentity, MetricRow {
  attributes: string;
  resourceAttributes: string;
}

export const TARGET_INFO = "target_info";

/**
 * A number series' labels and their key by its identity object, kept as long as the identity
 * is: the per-file row maps (querier) keep theirs between queries, so a repeated query builds
 * no label set and parses no attribute text. Frozen: series share them across queries.
 */
const NUMBER_SERIES_LABELS = new WeakMap<object, NumberSeriesLabels>();

interface NumberSeriesLabels {
  familyKey: string;
  base: string | null;
  labels: Labels;
  key: string;
  /**
   * Its place among the series of the query that last ranked it (`epoch`), by key: a query
   * whose series were all ranked by one query is put in label order by these integers (a
   * dashboard repeating its query compares no label texts).
   */
  rank: number;
  epoch: number;
}

/** The last rankings (a few dashboards' queries), each with how many series it ranked. */
const RANKINGS_KEPT = 8;
const rankings = new Map<number, number>();
let lastEpoch = 0;
const EMPTY_LABELS: Labels = Object.freeze({});

/**
 * Family keys, one string per family: a collector's lookup of a key it was given by a number
 * series' cached labels then finds the very string, and compares no texts. Families are few;
 * past MAX_FAMILY_KEYS (a bound on memory) the map starts over, and keys still compare equal.
 */
const FAMILY_KEYS = new Map<string, string>();
const MAX_FAMILY_KEYS = 65_536;

function familyKey(identity: MetricIdentity): string {
  return `${identity.name}\u0000${identity.unit}\u0000${identity.type}\u0000${identity.monotonic}\u0000${identity.temporality}`;
}

function internedFamilyKey(identity: MetricIdentity): string {
  const key = familyKey(identity);
  let interned = FAMILY_KEYS.get(key);
  if (interned === undefined) {
    if (FAMILY_KEYS.size >= MAX_FAMILY_KEYS) FAMILY_KEYS.clear();
    FAMILY_KEYS.set(key, (interned = key));
  }
  return interned;
}

/**
 * Which name a family answers to under the selector's `__name__` matchers: its Prometheus
 * name, else its OTLP name (UTF-8 names), else none. Returns the base to build series names on.
 */
export function selectedBase(family: MetricFamily, nameMatchers: readonly LabelMatcher[]): string | null {
  if (family.refused !== undefined) return null;
  const tests = nameMatchers.map(compileMatcher);
  const matches = (base: string) => seriesNames(family, base).some((n) => matchesAll(tests, { [METRIC_NAME_LABEL]: n }));
  if (matches(family.name)) return family.name;
  if (family.otlpName !== undefined && matches(family.otlpName)) return family.otlpName;
  return null;
}

/** A series' samples and runs until it has some: most series get one kind only, or one run. */
const NO_SAMPLES: never[] = Object.freeze([]) as never[];
const NO_RUNS: never[] = Object.freeze([]) as never[];

interface Building {
  labels: Labels;
  key: string;
  /** The cached labels it was found by, when it was (addNumberSeries). */
  named: NumberSeriesLabels | null;
  times: number[];
  /** null for a stale marker. */
  values: (number | null)[];
  /** Whole runs of samples in time order, stale markers as their bits (addNumberSeries). */
  runs: { timestampsMs: Float64Array; values: Float64Array }[];
}

export class SeriesCollector {
  private readonly series = new Map<string, Building>();
  /** Series by the texts of the rows that feed them; null: the selector does not match it. */
  private readonly byRowKey = new Map<string, Building | null>();
  private readonly pointLabels = new Map<string, Record<string, string>>();
  private readonly resources = new Map<string, ResourceLabels>();
  private readonly test: (labels: Labels) => boolean;
  /** The matchers but those on the name (which a selected base already passes). */
  private readonly testBesidesName: ((labels: Labels) => boolean) | null;
  private readonly families = new Map<string, { family: MetricFamily; base: string | null }>();
  private readonly nameMatchers: LabelMatcher[];
  samples = 0;

  constructor(matchers: readonly LabelMatcher[]) {
    const compiled = matchers.map(compileMatcher);
    this.test = (labels) => matchesAll(compiled, labels);
    this.nameMatchers = matchers.filter((m) => m.name === METRIC_NAME_LABEL);
    const others = matchers.filter((m) => m.name !== METRIC_NAME_LABEL).map(compileMatcher);
    this.testBesidesName = others.length === 0 ? null : (labels) => matchesAll(others, labels);
  }

  /** The family of an identity and the base name it is selected under (null: not selected). */
  selection(identity: MetricIdentity, key = familyKey(identity)): { family: MetricFamily; base: string | null } {
    let found = this.families.get(key);
    if (!found) {
      const family = metricFamily(identity);
      found = { family, base: selectedBase(family, this.nameMatchers) };
      this.families.set(key, found);
    }
    return found;
  }

  add(row: StoredMetricRow): void {
    const { family, base } = this.selection(row);
    if (base === null) return;
    const asSent = family.shape === "remote_write";
    // Rows of one series repeat the same attribute texts: the series is found by them, and its
    // labels are built and matched once.
    const rowKey = `${base}\u0000${row.attributes}\u0000${asSent ? "" : row.resourceAttributes}`;
    expandRow(family, row, (suffix, extra, value) => {
      const seriesKey = extra === null ? `${suffix}\u0000${rowKey}` : `${suffix}\u0000${extra.le ?? ""}\u0000${extra.quantile ?? ""}\u0000${rowKey}`;
      let series = this.byRowKey.get(seriesKey);
      if (series === undefined) {
        const labels: Record<string, string> = { ...this.commonLabels(row, asSent), ...extra, [METRIC_NAME_LABEL]: base + suffix };
        series = this.test(labels) ? this.seriesOf(labels) : null;
        this.byRowKey.set(seriesKey, series);
      }
      if (series !== null) this.append(series, row.timeMs, value);
    });
  }

  /**
   * Every sample of one number-shaped series at once (gauges, sums, remote write), in time
   * order, stale markers as their bits: what the source reads grouped by series, so labels
   * are built and matched once, and the samples stay in typed arrays.
   */
  addNumberSeries(
    identity: MetricIdentity & Pick<StoredMetricRow, "attributes" | "resourceAttributes">,
    timestampsMs: Float64Array, values: Float64Array,
  ): void {
    let named = NUMBER_SERIES_LABELS.get(identity);
    if (named === undefined) NUMBER_SERIES_LABELS.set(identity, (named = { familyKey: internedFamilyKey(identity), base: null, labels: EMPTY_LABELS, key: "", rank: 0, epoch: 0 }));
    const { family, base } = this.selection(identity, named.familyKey);
    if (base === null) return;
    if (family.shape !== "number" && family.shape !== "remote_write") throw new Error(`addNumberSeries: ${family.shape} has several series per point`);
    if (named.base !== base) {
      named.labels = Object.freeze({ ...this.commonLabels(identity, family.shape === "remote_write"), [METRIC_NAME_LABEL]: base });
      named.key = labelsKey(named.labels);
      named.base = base;
      named.epoch = 0;
    }
    // A number series is named its base alone, which the name matchers passed (selectedBase).
    if (this.testBesidesName !== null && !this.testBesidesName(named.labels)) return;
    const series = this.seriesOf(named.labels, named.key, named);
    const run = { timestampsMs, values };
    if (series.runs === NO_RUNS) series.runs = [run];
    else series.runs.push(run);
    this.samples += timestampsMs.length;
  }

  /**
   * The label set of the series an exemplar of `row` belongs to, or null when the row is not
   * selected: a histogram's exemplar goes to the bucket it falls in (Prometheus's rule).
   */
  exemplarSeries(row: StoredMetricRow, value: number): Labels | null {
    const { family, base } = this.selection(row);
    if (base === null || family.shape === "summary") return null;
    const labels: Record<string, string> = { ...this.commonLabels(row, family.shape === "remote_write") };
    if (family.shape === "histogram") {
      const bounds = (JSON.parse(row.distribution || "{}") as { explicitBounds?: number[] }).explicitBounds ?? [];
      const bound = bounds.find((b) => value <= b);
      labels.le = bound === undefined ? "+Inf" : formatBound(bound);
      labels[METRIC_NAME_LABEL] = `${base}_bucket`;
    } else labels[METRIC_NAME_LABEL] = base;
    return this.test(labels) ? labels : null;
  }

  /** A `target_info` sample (value 1) for the row's resource, when it has attributes beyond job/instance. */
  addTargetInfo(resourceAttributes: string, timeMs: number): void {
    const resource = this.resource(resourceAttributes);
    if (Object.keys(resource.info).length === 0) return;
    this.push({ ...resource.info, ...resource.identity, [METRIC_NAME_LABEL]: TARGET_INFO }, timeMs, 1);
  }

  /** The labels of a row's series before the name and the le / quantile label. */
  commonLabels(row: Pick<StoredMetricRow, "attributes" | "resourceAttributes">, asSent: boolean): Record<string, string> {
    const point = this.point(row.attributes, asSent);
    if (asSent) return point;
    return { ...point, ...this.resource(row.resourceAttributes).identity };
  }

  private point(attributes: string, asSent: boolean): Record<string, string> {
    let labels = this.pointLabels.get(attributes);
    if (!labels) {
      const entries = attributeEntries(attributes);
      labels = asSent ? Object.fromEntries(entries.filter((e) => e[1] !== "")) : attributeLabels(entries);
      this.pointLabels.set(attributes, labels);
    }
    return labels;
  }

  private resource(json: string): ResourceLabels {
    let found = this.resources.get(json);
    if (!found) {
      found = resourceLabels(json);
      this.resources.set(json, found);
    }
    return found;
  }

  private push(labels: Labels, timeMs: number, value: number | typeof STALE): void {
    if (this.test(labels)) this.append(this.seriesOf(labels), timeMs, value);
  }

  private seriesOf(labels: Labels, key = labelsKey(labels), named: NumberSeriesLabels | null = null): Building {
    let s = this.series.get(key);
    if (!s) {
      s = { labels, key, named, times: NO_SAMPLES, values: NO_SAMPLES, runs: NO_RUNS };
      this.series.set(key, s);
    }
    return s;
  }

  private append(s: Building, timeMs: number, value: number | typeof STALE): void {
    if (s.times === NO_SAMPLES) {
      s.times = [];
      s.values = [];
    }
    s.times.push(timeMs);
    s.values.push(value === STALE ? null : value);
    this.samples++;
  }

  /** The series, sorted by their labels, each in time order. */
  finish(): RawSeries[] {
    return inLabelOrder([...this.series.values()]).map(inTimeOrder);
  }
}

/**
 * The series sorted by their keys: by the ranks of the last ranking when it ranked them all
 * (one key per rank, ranks in key order), else by comparing keys, then ranked anew.
 */
function inLabelOrder(all: Building[]): Building[] {
  const epoch = all[0]?.named?.epoch ?? 0;
  const ranked = rankings.get(epoch);
  if (ranked !== undefined && all.every((s) => s.named !== null && s.named.epoch === epoch)) {
    const byRank = new Array<Building | undefined>(ranked);
    for (const s of all) byRank[s.named!.rank] = s;
    return byRank.filter((s) => s !== undefined);
  }
  all.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (all.every((s) => s.named !== null)) {
    rankings.set(++lastEpoch, all.length);
    rankings.delete(lastEpoch - RANKINGS_KEPT);
    all.forEach((s, i) => {
      s.named!.rank = i;
      s.named!.epoch = lastEpoch;
    });
  }
  return all;
}

function inTimeOrder(s: Building): RawSeries {
  if (s.times.length === 0 && s.runs.length === 1) return { labels: s.labels, timestampsMs: s.runs[0]!.timestampsMs, values: s.runs[0]!.values };
  if (s.times === NO_SAMPLES) {
    s.times = [];
    s.values = [];
  }
  for (const run of s.runs) {
    const stale = staleFlags(run.values);
    for (let i = 0; i < run.timestampsMs.length; i++) {
      s.times.push(run.timestampsMs[i]!);
      s.values.push(stale?.[i] ? null : run.values[i]!);
    }
  }
  const order = timeOrder(s.times);
  const times: number[] = [];
  const values: (number | null)[] = [];
  for (const i of order) {
    const t = s.times[i]!;
    if (times.length > 0 && times[times.length - 1] === t) values[values.length - 1] = s.values[i]!;
    else {
      times.push(t);
      values.push(s.values[i]!);
    }
  }
  const out = new Float64Array(values.length);
  values.forEach((v, i) => {
    if (v === null) writeStaleMarker(out, i);
    else out[i] = v;
  });
  return { labels: s.labels, timestampsMs: Float64Array.from(times), values: out };
}
