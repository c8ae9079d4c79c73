/**
 * The TraceQL subset as a tree (see README.md). Every node keeps the offset where it starts in
 * the query text so later stages (type checks, SQL compilation) can point at the culprit.
 */
export type ComparisonOp = "=" | "!=" | ">" | ">=" | "<" | "<=" | "=~" | "!~";
export type LogicalOp = "&&" | "||";

export type AttributeScope = "resource" | "span" | "unscoped";
export type IntrinsicName = "name" | "status" | "kind" | "duration" | "rootServiceName" | "rootName";
export type StatusKeyword = "ok" | "error" | "unset";
export type KindKeyword = "unspecified" | "internal" | "server" | "client" | "producer" | "consumer";

export interface AttributeRef {
  type: "attribute";
  scope: AttributeScope;
  name: string;
  pos: number;
}

export interface IntrinsicRef {
  type: "intrinsic";
  name: IntrinsicName;
  pos: number;
}

export type FieldRef = AttributeRef | IntrinsicRef;

export type Literal =
  | { type: "string"; value: string; pos: number }
  | { type: "int"; value: bigint; pos: number }
  | { type: "float"; value: number; pos: number }
  | { type: "bool"; value: boolean; pos: number }
  /** Nanoseconds. */
  | { type: "duration"; value: bigint; pos: number }
  | { type: "status"; value: StatusKeyword; pos: number }
  | { type: "kind"; value: KindKeyword; pos: number };

export interface Comparison {
  type: "compare";
  field: FieldRef;
  op: ComparisonOp;
  value: Literal;
  pos: number;
}

export interface LogicalCondition {
  type: "logical";
  op: LogicalOp;
  left: Condition;
  right: Condition;
}

export type Condition = Comparison | LogicalCondition;

/** `{ cond }`; `cond` null for `{}` (every span). */
export interface SpansetFilter {
  type: "filter";
  condition: Condition | null;
  pos: number;
}

/** `A && B`: the trace has spans matching both; `A || B`: spans matching either. */
export interface SpansetOperation {
  type: "spanset_op";
  op: LogicalOp;
  left: SpansetExpr;
  right: SpansetExpr;
}

export type SpansetExpr = SpansetFilter | SpansetOperation;

export const INTRINSICS: readonly IntrinsicName[] = ["name", "status", "kind", "duration", "rootServiceName", "rootName"];
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
