/**
 * LogQL's syntax tree (README.md lists the language). A query is either a log query — a
 * stream selector and a pipeline of stages — or a metric query built from range
 * aggregations over log queries. `pos` fields are 0-based offsets in the query text, so
 * evaluation errors can name where the faulty part stands.
 */

export type MatcherOp = "=" | "!=" | "=~" | "!~";

/** A label matcher, in the selector or as a label filter (same shape as the series engine's). */
export interface LabelMatcher {
  name: string;
  op: MatcherOp;
  value: string;
  pos: number;
}

/** `|=` contains, `!=` lacks, `|~`/`!~` unanchored RE2, `|>`/`!>` a pattern (`<_>` wildcards). */
export type LineFilterOp = "|=" | "!=" | "|~" | "!~" | "|>" | "!>";

/** One alternative of a line filter: a text (substring, regex or pattern) or `ip("cidr")`. */
export interface LineFilterTerm {
  value: string;
  ip?: boolean;
}

/**
 * A line filter. `value`/`ip` are its first term; `or` lists the further alternatives of
 * `|= "a" or "b"` (a positive filter keeps a line matching any term, a negative one a line
 * matching none, as Loki reads it).
 */
export interface LineFilter {
  op: LineFilterOp;
  value: string;
  ip?: boolean;
  or?: LineFilterTerm[];
  pos: number;
}

/** Comparison operators of numeric label filters and binary operators. */
export type ComparisonOp = "==" | "!=" | ">" | ">=" | "<" | "<=";

export type LabelFilterExpr =
  | { kind: "and" | "or"; left: LabelFilterExpr; right: LabelFilterExpr }
  | { kind: "string"; matcher: LabelMatcher }
  | { kind: "ip"; name: string; negated: boolean; cidr: string; pos: number }
  /** `value` is the number, seconds for a duration, bytes for a byte size. */
  | { kind: "number" | "duration" | "bytes"; name: string; op: ComparisonOp; value: number; pos: number };

/** A `json`/`logfmt` extraction parameter: `name` alone, or `name="path"`. */
export interface ExtractionParam {
  name: string;
  /** The JSON path / logfmt key; the name itself when written alone. */
  expression: string;
}

/** One `label_format` item: a rename (`dst=src`) or a template (`dst="{{…}}"`). */
export interface LabelFormatItem {
  name: string;
  rename?: string;
  template?: string;
}

/** A `drop`/`keep` item: a label name, or a matcher the label's value must meet. */
export interface LabelNameOrMatcher {
  name: string;
  matcher?: LabelMatcher;
}

export type Stage =
  | ({ kind: "line_filter" } & LineFilter)
  | { kind: "json"; params: ExtractionParam[]; pos: number }
  | { kind: "logfmt"; strict: boolean; keepEmpty: boolean; params: ExtractionParam[]; pos: number }
  | { kind: "regexp"; pattern: string; pos: number }
  | { kind: "pattern"; pattern: string; pos: number }
  | { kind: "unpack"; pos: number }
  | { kind: "label_filter"; filter: LabelFilterExpr; pos: number }
  | { kind: "line_format"; template: string; pos: number }
  | { kind: "label_format"; items: LabelFormatItem[]; pos: number }
  | { kind: "decolorize"; pos: number }
  | { kind: "drop" | "keep"; labels: LabelNameOrMatcher[]; pos: number };

/** A log query: `{selector} | stage | stage …`. */
export interface LogQuery {
  kind: "log";
  matchers: LabelMatcher[];
  pipeline: Stage[];
  pos: number;
}

export type UnwrapConversion = "bytes" | "duration" | "duration_seconds";

/** `| unwrap [conv(]label[)]` and the label filters written after it. */
export interface Unwrap {
  label: string;
  conversion?: UnwrapConversion;
  postFilters: LabelFilterExpr[];
  pos: number;
}

/** The log range a range aggregation reads: `{…} | pipeline [range] offset d | unwrap x`. */
export interface LogRange {
  query: LogQuery;
  rangeNs: bigint;
  offsetNs: bigint;
  unwrap?: Unwrap;
  pos: number;
}

export type RangeOp =
  | "count_over_time" | "rate" | "rate_counter" | "bytes_over_time" | "bytes_rate" | "absent_over_time"
  | "avg_over_time" | "sum_over_time" | "min_over_time" | "max_over_time" | "stddev_over_time"
  | "stdvar_over_time" | "quantile_over_time" | "first_over_time" | "last_over_time";

export type VectorOp = "sum" | "avg" | "min" | "max" | "count" | "stddev" | "stdvar" | "topk" | "bottomk" | "sort" | "sort_desc";

export interface Grouping {
  without: boolean;
  labels: string[];
}

export type BinaryOp = "+" | "-" | "*" | "/" | "%" | "^" | ComparisonOp | "and" | "or" | "unless";

export interface BinaryModifier {
  returnBool: boolean;
  /** `on(…)` / `ignoring(…)`; absent means match on all labels. */
  matching?: { on: boolean; labels: string[] };
  /** `group_left(…)` / `group_right(…)` and the labels taken from the "one" side. */
  group?: { side: "left" | "right"; include: string[] };
}

export type MetricExpr =
  | { kind: "range_aggregation"; op: RangeOp; param?: number; range: LogRange; grouping?: Grouping; pos: number }
  | { kind: "vector_aggregation"; op: VectorOp; param?: number; expr: MetricExpr; grouping?: Grouping; pos: number }
  | { kind: "binary"; op: BinaryOp; lhs: MetricExpr; rhs: MetricExpr; modifier: BinaryModifier; pos: number }
  | { kind: "literal"; value: number; pos: number }
  | { kind: "vector"; value: number; pos: number }
  | { kind: "label_replace"; expr: MetricExpr; dst: string; replacement: string; src: string; regex: string; pos: number };

export type LogQLExpr = LogQuery | MetricExpr;

export const COMPARISON_OPS: readonly BinaryOp[] = ["==", "!=", ">", ">=", "<", "<="];
export const SET_OPS: readonly BinaryOp[] = ["and", "or", "unless"];

/** Every log query a metric expression reads (its selectors), in query order. */
export function logQueriesOf(expr: LogQLExpr): LogQuery[] {
  switch (expr.kind) {
    case "log":
      return [expr];
    case "range_aggregation":
      return [expr.range.query];
    case "vector_aggregation":
    case "label_replace":
      return logQueriesOf(expr.expr);
    case "binary":
      return [...logQueriesOf(expr.lhs), ...logQueriesOf(expr.rhs)];
    default:
      return [];
  }
}
