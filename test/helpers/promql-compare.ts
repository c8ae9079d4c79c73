/**
 * Compares a PromQL answer from Signalbox with Prometheus's: same result type, same series with
 * the same labels, same timestamps, values equal within 1e-9 relative (1e-12 absolute near zero,
 * where the order of float operations decides the last digits); for errors, the same class.
 */
import { compareLabels, labelsKey } from "../../shared/series/labels.ts";
import type { Labels } from "../../shared/series/types.ts";
import type { QueryData, SamplePair } from "../../shared/query/promql/index.ts";

export type Outcome =
  | { status: "success"; data: QueryData }
  | { status: "error"; errorType: string; error: string };

export function valuesEqual(a: string, b: string): boolean {
  if (a === b) return true;
  const x = Number(a === "+Inf" ? Infinity : a === "-Inf" ? -Infinity : a);
  const y = Number(b === "+Inf" ? Infinity : b === "-Inf" ? -Infinity : b);
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
  if (!Number.isFinite(x) || !Number.isFinite(y)) return x === y;
  const diff = Math.abs(x - y);
  return diff <= 1e-12 || diff <= 1e-9 * Math.max(Math.abs(x), Math.abs(y));
}

function pairsEqual(a: SamplePair[], b: SamplePair[]): string | null {
  if (a.length !== b.length) return `${a.length} points, Prometheus ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    if (a[i][0] !== b[i][0]) return `point ${i} at ${a[i][0]}, Prometheus ${b[i][0]}`;
    if (!valuesEqual(a[i][1], b[i][1])) return `value at ${a[i][0]} is ${a[i][1]}, Prometheus ${b[i][1]}`;
  }
  return null;
}

const show = (l: Labels) => labelsKey(l).replaceAll("\xff", " ") || "{}";

/**
 * Values per timestamp across all series, sorted: what top-k / bottom-k answers must agree on
 * when values tie (which of the tied series is picked is not part of PromQL's contract).
 */
function valuesByTime(rows: { values: SamplePair[] }[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const r of rows) for (const [t, v] of r.values) (out.get(t) ?? out.set(t, []).get(t)!).push(v);
  for (const vs of out.values()) vs.sort((a, b) => Number(a) - Number(b));
  return out;
}

function sameValuesByTime(a: { values: SamplePair[] }[], b: { values: SamplePair[] }[]): boolean {
  const ma = valuesByTime(a);
  const mb = valuesByTime(b);
  if (ma.size !== mb.size) return false;
  for (const [t, va] of ma) {
    const vb = mb.get(t);
    if (!vb || vb.length !== va.length || va.some((v, i) => !valuesEqual(v, vb[i]))) return false;
  }
  return true;
}

/**
 * `ordered`: the answer's order is part of it (sort, sort_desc). `ties`: series chosen among
 * equal values may differ (topk, bottomk), the values may not.
 */
export function compareOutcomes(ours: Outcome, theirs: Outcome, ordered: boolean, ties = false): string | null {
  if (ours.status === "error" || theirs.status === "error") {
    if (ours.status !== theirs.status) {
      return ours.status === "error"
        ? `Signalbox failed (${ours.errorType}: ${ours.error}), Prometheus answered`
        : `Prometheus failed (${(theirs as { error: string }).error}), Signalbox answered`;
    }
    const o = ours as { errorType: string; error: string };
    const t = theirs as { errorType: string; error: string };
    return o.errorType === t.errorType ? null : `error class ${o.errorType} (${o.error}), Prometheus ${t.errorType} (${t.error})`;
  }
  const a = ours.data;
  const b = theirs.data;
  if (a.resultType !== b.resultType) return `result type ${a.resultType}, Prometheus ${b.resultType}`;
  if (a.resultType === "scalar" || a.resultType === "string") {
    const bp = b.result as SamplePair;
    if (a.result[0] !== bp[0]) return `time ${a.result[0]}, Prometheus ${bp[0]}`;
    return valuesEqual(a.result[1], bp[1]) || a.result[1] === bp[1] ? null : `value ${a.result[1]}, Prometheus ${bp[1]}`;
  }
  type Row = { metric: Labels; values: SamplePair[] };
  const rows = (d: QueryData): Row[] =>
    d.resultType === "vector"
      ? d.result.map((r) => ({ metric: r.metric, values: [r.value] }))
      : (d.result as Row[]);
  const ra = rows(a);
  const rb = rows(b);
  if (ties && sameValuesByTime(ra, rb)) return null;
  if (!ordered) {
    ra.sort((x, y) => compareLabels(x.metric, y.metric));
    rb.sort((x, y) => compareLabels(x.metric, y.metric));
  }
  if (ra.length !== rb.length) {
    const ka = new Set(ra.map((r) => show(r.metric)));
    const kb = new Set(rb.map((r) => show(r.metric)));
    const extra = [...ka].filter((k) => !kb.has(k)).slice(0, 3);
    const missing = [...kb].filter((k) => !ka.has(k)).slice(0, 3);
    return `${ra.length} series, Prometheus ${rb.length} (only ours: ${extra.join("; ")}; only theirs: ${missing.join("; ")})`;
  }
  for (let i = 0; i < ra.length; i++) {
    if (show(ra[i].metric) !== show(rb[i].metric)) {
      if (ordered && valuesEqual(ra[i].values[0][1], rb[i].values[0][1])) continue;
      return `series ${i} is ${show(ra[i].metric)}, Prometheus ${show(rb[i].metric)}`;
    }
    const p = pairsEqual(ra[i].values, rb[i].values);
    if (p) return `${show(ra[i].metric)}: ${p}`;
  }
  return null;
}
