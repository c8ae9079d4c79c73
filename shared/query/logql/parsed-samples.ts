/**
 * Parser hints for grouped sample reads (source.ts, `LogSampleRequest.parser`): a metric query
 * such as `sum by (level) (count_over_time({…} | logfmt [1m]))` or
 * `quantile_over_time(0.99, {…} | logfmt | unwrap duration(latency) [5m]) by (service_name)`
 * needs, of each entry, only its time and a few labels' values after `| logfmt` — Loki's
 * parser hints extract just those. This file says when a query has that shape and, for a
 * source that decides those values itself, which parsed keys and metadata names decide them,
 * by the labels builder's rules (labels-builder.ts, parsers.ts):
 * - a parsed key `k` is stored as `k_extracted` when the stream or the metadata has `k`;
 * - structured metadata `m` is stored as `m_extracted` when the stream has `m`;
 * - of several pairs stored under one name the first non-empty one wins (non-strict logfmt
 *   skips empty values and sets no error);
 * - a label's value is the parsed one, else the metadata's, else the stream's.
 */
import type { LogRange, RangeOp, Stage } from "./ast.ts";
import { DUPLICATE_SUFFIX, ERROR_DETAILS_LABEL, ERROR_LABEL } from "./labels-builder.ts";
import type { LogSampleRequest } from "./source.ts";
import type { Labels } from "../../series/types.ts";

/** Range aggregations whose samples weigh 1 per entry. */
const COUNTING: ReadonlySet<RangeOp> = new Set(["count_over_time", "rate"]);

export type ParsedSampleHint = Pick<LogSampleRequest, "parser" | "unwrap" | "value">;

/**
 * The parser hint for a range aggregation grouped `by (…)` whose stages after the hinted line
 * filters are exactly one plain `| logfmt`, counting entries or unwrapping a label with no
 * filter after the unwrap; undefined for every other shape (the evaluator reads entries).
 */
export function parsedSampleHint(op: RangeOp, range: LogRange, stages: readonly Stage[], byLabels: readonly string[] | undefined): ParsedSampleHint | undefined {
  if (byLabels === undefined || stages.length !== 1) return undefined;
  const special = (n: string) => n === ERROR_LABEL || n === ERROR_DETAILS_LABEL;
  if (byLabels.some(special) || (range.unwrap && special(range.unwrap.label))) return undefined;
  const stage = stages[0]!;
  if (stage.kind !== "logfmt" || stage.params.length > 0 || stage.strict || stage.keepEmpty) return undefined;
  const unwrap = range.unwrap;
  if (unwrap === undefined) return COUNTING.has(op) ? { parser: "logfmt", value: "count" } : undefined;
  if (op === "absent_over_time" || unwrap.postFilters.length > 0) return undefined;
  return { parser: "logfmt", value: "unwrap", unwrap: { label: unwrap.label, conversion: unwrap.conversion ?? "" } };
}

/** `n`, and every name it is the `_extracted` rename of (`a_extracted_extracted` → itself, `a_extracted`, `a`). */
export function renameOrigins(name: string): string[] {
  const out = [name];
  for (let n = name; n.endsWith(DUPLICATE_SUFFIX) && n.length > DUPLICATE_SUFFIX.length; ) {
    n = n.slice(0, -DUPLICATE_SUFFIX.length);
    out.push(n);
  }
  return out;
}

/**
 * Every structured metadata name that can change what the labels `names` read after a parser:
 * a source that knows an entry's metadata holds none of them may decide those labels from the
 * line and the stream labels alone (`parsedKeys`). The error labels are always among them.
 */
export function deciderNames(names: readonly string[]): Set<string> {
  const out = new Set<string>([ERROR_LABEL, ERROR_DETAILS_LABEL]);
  for (const n of names) for (const origin of renameOrigins(n)) out.add(origin);
  return out;
}

/**
 * For an entry of a stream with labels `stream` whose metadata holds none of
 * `deciderNames([name])`: the parsed keys stored as `name` (the first non-empty pair with one
 * of them gives its value), and the value when no pair does (the stream's, or "").
 */
export function parsedKeys(name: string, stream: Labels): { keys: string[]; fallback: string } {
  const keys: string[] = [];
  if (!stream[name]) keys.push(name);
  if (name.endsWith(DUPLICATE_SUFFIX)) {
    const base = name.slice(0, -DUPLICATE_SUFFIX.length);
    if (base !== "" && stream[base]) keys.push(base);
  }
  return { keys, fallback: stream[name] ?? "" };
}
