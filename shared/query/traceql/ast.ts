/**
 * The TraceQL language as a tree: Tempo's grammar (`pkg/traceql/expr.y`), one node type per
 * construct. Every node keeps the offset where it starts in the query text so later stages
 * (validation, execution) can point at the culprit. `parseTraceQL` answers a `TraceQLQuery`:
 * a search (`SearchQuery`, a spanset pipeline) or a metrics query (`MetricsQuery`).
 *
 * Exported names are a contract with the search engine and the TraceQL metrics evaluator:
 * add, never rename.
 */

// ---------------------------------------------------------------- field expressions

export type ComparisonOp = "=" | "!=" | ">" | ">=" | "<" | "<=" | "=~" | "!~";
export type ArithmeticOp = "+" | "-" | "*" | "/" | "%" | "^";
export type LogicalOp = "&&" | "||";
export type BinaryOp = ComparisonOp | ArithmeticOp | LogicalOp;
/** `exists` is `x != nil`, `not_exists` is `x = nil`. */
export type UnaryOp = "-" | "!" | "exists" | "not_exists";

/** `unscoped` is `.name`: span, then resource (then event, link, instrumentation) attribute. */
export type AttributeScope = "span" | "resource" | "event" | "link" | "instrumentation" | "unscoped";

/**
 * Intrinsics by their canonical (scoped) name; the legacy unscoped spellings map onto them
 * (`duration` → `span:duration`, `traceDuration` → `trace:duration`, `rootServiceName` →
 * `trace:rootService`, ...). `parent` and the nested-set ones are Tempo internals.
 */
export type Intrinsic =
  | "span:duration" | "span:name" | "span:status" | "span:statusMessage" | "span:kind"
  | "span:id" | "span:parentID" | "span:childCount"
  | "trace:duration" | "trace:rootName" | "trace:rootService" | "trace:id"
  | "event:name" | "event:timeSinceStart"
  | "link:traceID" | "link:spanID"
  | "instrumentation:name" | "instrumentation:version"
  | "parent" | "nestedSetLeft" | "nestedSetRight" | "nestedSetParent";

export type StatusKeyword = "ok" | "error" | "unset";
export type KindKeyword = "unspecified" | "internal" | "server" | "client" | "producer" | "consumer";

export interface AttributeRef {
  type: "attribute";
  scope: AttributeScope;
  name: string;
  /** `parent.x`: an attribute of the parent span (Tempo parses it but does not run it). */
  parent: boolean;
  pos: number;
}

export interface IntrinsicRef {
  type: "intrinsic";
  name: Intrinsic;
  /** As written (`duration`, `span:duration`): for messages and result keys. */
  text: string;
  pos: number;
}

/** What `select()`, `by()` of metrics and the metrics functions take. */
export type FieldRef = AttributeRef | IntrinsicRef;

export type Literal =
  | { type: "string"; value: string; pos: number }
  | { type: "int"; value: bigint; pos: number }
  | { type: "float"; value: number; pos: number }
  | { type: "bool"; value: boolean; pos: number }
  /** Nanoseconds. */
  | { type: "duration"; value: bigint; pos: number }
  | { type: "status"; value: StatusKeyword; pos: number }
  | { type: "kind"; value: KindKeyword; pos: number }
  | { type: "nil"; pos: number };

export interface BinaryExpr {
  type: "binary";
  op: BinaryOp;
  left: FieldExpr;
  right: FieldExpr;
  pos: number;
}

export interface UnaryExpr {
  type: "unary";
  op: UnaryOp;
  operand: FieldExpr;
  pos: number;
}

export type FieldExpr = Literal | AttributeRef | IntrinsicRef | BinaryExpr | UnaryExpr;

/** The type a field expression has before it meets data (`attribute`: only the data knows). */
export type StaticType = "string" | "int" | "float" | "duration" | "bool" | "status" | "kind" | "nil" | "attribute";

// ---------------------------------------------------------------- spansets and pipelines

/** `{ expr }`; `{}` is `{ true }`. */
export interface SpansetFilter {
  type: "filter";
  expr: FieldExpr;
  pos: number;
}

/**
 * Between two spansets of the same trace: `&&` both non-empty (union), `||` union;
 * structural: `>` child, `<` parent, `>>` descendant, `<<` ancestor, `~` sibling — each
 * answering the right-hand spans so related; `!` forms the right-hand spans not so related;
 * `&` forms (union) both sides' spans that are so related.
 */
export type SpansetOp =
  | "&&" | "||"
  | ">" | "<" | ">>" | "<<" | "~"
  | "!>" | "!<" | "!>>" | "!<<" | "!~"
  | "&>" | "&<" | "&>>" | "&<<" | "&~";

export interface SpansetOperation {
  type: "spanset_op";
  op: SpansetOp;
  left: SpansetExpr;
  right: SpansetExpr;
  pos: number;
}

export type AggregateFn = "count" | "avg" | "min" | "max" | "sum";

/** `count()` (field null), `avg(expr)`, ... over the spans of one spanset. */
export interface Aggregate {
  type: "aggregate";
  fn: AggregateFn;
  field: FieldExpr | null;
  pos: number;
}

export interface ScalarOperation {
  type: "scalar_op";
  op: ArithmeticOp;
  left: ScalarExpr;
  right: ScalarExpr;
  pos: number;
}

/** A pipeline's scalar side: aggregates, numbers and durations, arithmetic between them. */
export type ScalarExpr = Aggregate | Literal | ScalarOperation;

export type ScalarCompareOp = "=" | "!=" | ">" | ">=" | "<" | "<=";

/** `| count() > 3`: keeps the spansets whose aggregate compares true. */
export interface ScalarFilter {
  type: "scalar_filter";
  op: ScalarCompareOp;
  left: ScalarExpr;
  right: ScalarExpr;
  pos: number;
}

/** `| by(expr)`: regroups each trace's spans by the value of expr. */
export interface GroupBy {
  type: "by";
  field: FieldExpr;
  pos: number;
}

/** `| coalesce()`: merges a trace's spansets back into one. */
export interface Coalesce {
  type: "coalesce";
  pos: number;
}

/** `| select(a, b)`: adds those attributes to the spans of the result. */
export interface Select {
  type: "select";
  fields: FieldRef[];
  pos: number;
}

export type PipelineStage = SpansetExpr | ScalarFilter | GroupBy | Coalesce | Select;

/** `a | b | c`: each stage's spansets feed the next. Only built for two stages or more, or a lone non-spanset stage. */
export interface Pipeline {
  type: "pipeline";
  stages: PipelineStage[];
  pos: number;
}

export type SpansetExpr = SpansetFilter | SpansetOperation | Pipeline;

// ---------------------------------------------------------------- metrics

export type MetricsFn =
  | "rate"
  | "count_over_time"
  | "min_over_time"
  | "max_over_time"
  | "avg_over_time"
  | "sum_over_time"
  | "quantile_over_time"
  | "histogram_over_time";

/** `rate()`, `quantile_over_time(duration, .5, .9)`, ... `by (a, b)`. */
export interface MetricsAggregation {
  type: "metrics_aggregation";
  fn: MetricsFn;
  /** The measured field (null for rate and count_over_time). */
  attribute: FieldRef | null;
  /** quantile_over_time's quantiles (empty otherwise). */
  quantiles: number[];
  by: FieldRef[];
  pos: number;
}

/** `compare({filter}, topN, start, end)`: Tempo's defaults topN 10, start and end 0 (whole range). */
export interface MetricsCompare {
  type: "compare";
  filter: SpansetFilter;
  topN: number;
  /** Unix nanoseconds as written; 0: not given. */
  start: bigint;
  end: bigint;
  pos: number;
}

export type MetricsFirstStage = MetricsAggregation | MetricsCompare;

/** Second stage after a metrics function: `| topk(n)`, `| bottomk(n)`, or a filter `> 10`. */
export type SecondStage =
  | { type: "topk" | "bottomk"; limit: number; pos: number }
  | { type: "metrics_filter"; op: ScalarCompareOp; value: number; pos: number };

/** `{...} | rate() by (x) | topk(5)`. */
export interface MetricsPipeline {
  type: "metrics_pipeline";
  pipeline: SpansetExpr;
  aggregation: MetricsFirstStage;
  stages: SecondStage[];
  pos: number;
}

export type MetricsMathOp = "+" | "-" | "*" | "/";

/** `(A) / (B)`: series matched by labels. */
export interface MetricsMath {
  type: "metrics_math";
  op: MetricsMathOp;
  left: MetricsExpr;
  right: MetricsExpr;
  pos: number;
}

/** `(A) * 100` (scalarOnLeft false) or `100 * (A)` (true). */
export interface MetricsScalarMath {
  type: "metrics_scalar_math";
  op: MetricsMathOp;
  scalar: number;
  expr: MetricsExpr;
  scalarOnLeft: boolean;
  pos: number;
}

/** Second stages applied to an arithmetic of metrics: `(A) + (B) | topk(5) > 10`. */
export interface MetricsStaged {
  type: "metrics_staged";
  expr: MetricsExpr;
  stages: SecondStage[];
  pos: number;
}

export type MetricsExpr = MetricsPipeline | MetricsMath | MetricsScalarMath | MetricsStaged;

// ---------------------------------------------------------------- the query

/** `with(most_recent=true, sample=0.1)`: name → value, as written. */
export type Hints = Record<string, Literal>;

export interface SearchQuery {
  kind: "search";
  expr: SpansetExpr;
  hints: Hints;
}

export interface MetricsQuery {
  kind: "metrics";
  expr: MetricsExpr;
  hints: Hints;
}

export type TraceQLQuery = SearchQuery | MetricsQuery;

// ---------------------------------------------------------------- names and codes

/** Intrinsic tag names as Tempo's tag endpoints list them (the `intrinsic` scope). */
export const INTRINSICS: readonly string[] = ["name", "status", "kind", "duration", "rootServiceName", "rootName"];
export const STATUS_KEYWORDS: readonly StatusKeyword[] = ["ok", "error", "unset"];
export const KIND_KEYWORDS: readonly KindKeyword[] = ["unspecified", "internal", "server", "client", "producer", "consumer"];

/** OTLP numeric codes, as stored in the `status_code` and `kind` columns. */
export const STATUS_CODE: Record<StatusKeyword, number> = { unset: 0, ok: 1, error: 2 };
export const KIND_CODE: Record<KindKeyword, number> = {
  unspecified: 0,
  internal: 1,
  server: 2,
  client: 3,
  producer: 4,
  consumer: 5,
};

/** The legacy unscoped intrinsic names (Tempo's `intrinsicField`). */
export const UNSCOPED_INTRINSICS: Readonly<Record<string, Intrinsic>> = {
  duration: "span:duration",
  name: "span:name",
  status: "span:status",
  statusMessage: "span:statusMessage",
  kind: "span:kind",
  parent: "parent",
  rootName: "trace:rootName",
  rootServiceName: "trace:rootService",
  traceDuration: "trace:duration",
  nestedSetLeft: "nestedSetLeft",
  nestedSetRight: "nestedSetRight",
  nestedSetParent: "nestedSetParent",
};

/** `scope:name` intrinsics (Tempo's `scopedIntrinsicField`); anything else is a syntax error. */
export const SCOPED_INTRINSICS: Readonly<Record<string, Intrinsic>> = Object.fromEntries(
  (
    [
      "span:duration", "span:name", "span:status", "span:statusMessage", "span:kind", "span:id", "span:parentID",
      "span:childCount", "trace:duration", "trace:rootName", "trace:rootService", "trace:id", "event:name",
      "event:timeSinceStart", "link:traceID", "link:spanID", "instrumentation:name", "instrumentation:version",
    ] as const
  ).map((n) => [n, n]),
);

/** The type each intrinsic has (Tempo's `Attribute.impliedType`). */
export const INTRINSIC_TYPE: Readonly<Record<Intrinsic, StaticType>> = {
  "span:duration": "duration",
  "span:name": "string",
  "span:status": "status",
  "span:statusMessage": "string",
  "span:kind": "kind",
  "span:id": "string",
  "span:parentID": "string",
  "span:childCount": "int",
  "trace:duration": "duration",
  "trace:rootName": "string",
  "trace:rootService": "string",
  "trace:id": "string",
  "event:name": "string",
  "event:timeSinceStart": "duration",
  "link:traceID": "string",
  "link:spanID": "string",
  "instrumentation:name": "string",
  "instrumentation:version": "string",
  parent: "nil",
  nestedSetLeft: "int",
  nestedSetRight: "int",
  nestedSetParent: "int",
};
