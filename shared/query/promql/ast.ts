import type { LabelMatcher } from "../../series/types.ts";

/** PromQL's value types, as its error messages name them. */
export type ValueType = "scalar" | "vector" | "matrix" | "string";

export const TYPE_NAMES: Record<ValueType, string> = {
  scalar: "scalar",
  vector: "instant vector",
  matrix: "range vector",
  string: "string",
};

/** `@ <time>`, `@ start()` or `@ end()`. */
export type AtModifier = { kind: "time"; ms: number } | { kind: "start" } | { kind: "end" };

interface Positioned {
  /** Offsets of the node in the query text. */
  start: number;
  end: number;
}

export interface NumberLiteral extends Positioned {
  type: "NumberLiteral";
  value: number;
}

export interface StringLiteral extends Positioned {
  type: "StringLiteral";
  value: string;
}

export interface VectorSelector extends Positioned {
  type: "VectorSelector";
  /** Includes the `__name__` matcher of the metric name. */
  matchers: LabelMatcher[];
  offsetMs: number;
  at?: AtModifier;
}

export interface MatrixSelector extends Positioned {
  type: "MatrixSelector";
  selector: VectorSelector;
  rangeMs: number;
}

export interface SubqueryExpr extends Positioned {
  type: "Subquery";
  expr: Expr;
  rangeMs: number;
  /** Absent: the default evaluation interval. */
  stepMs?: number;
  offsetMs: number;
  at?: AtModifier;
}

export interface Call extends Positioned {
  type: "Call";
  func: string;
  args: Expr[];
}

export type AggregateOp =
  | "sum" | "avg" | "min" | "max" | "count" | "group" | "stddev" | "stdvar"
  | "topk" | "bottomk" | "quantile" | "count_values";

export interface AggregateExpr extends Positioned {
  type: "Aggregate";
  op: AggregateOp;
  param?: Expr;
  expr: Expr;
  grouping: string[];
  without: boolean;
}

export type ArithmeticOp = "+" | "-" | "*" | "/" | "%" | "^" | "atan2";
export type ComparisonOp = "==" | "!=" | ">" | "<" | ">=" | "<=";
export type SetOp = "and" | "or" | "unless";
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp;

export interface VectorMatching {
  card: "one-to-one" | "many-to-one" | "one-to-many" | "many-to-many";
  /** `on(...)` when true, `ignoring(...)` (or nothing) when false. */
  on: boolean;
  labels: string[];
  /** Labels taken from the "one" side with group_left/group_right. */
  include: string[];
}

export interface BinaryExpr extends Positioned {
  type: "Binary";
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  returnBool: boolean;
  /** Set when both sides are instant vectors. */
  matching?: VectorMatching;
}

export interface UnaryExpr extends Positioned {
  type: "Unary";
  op: "-" | "+";
  expr: Expr;
}

export interface ParenExpr extends Positioned {
  type: "Paren";
  expr: Expr;
}

export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | Call
  | AggregateExpr
  | BinaryExpr
  | UnaryExpr
  | ParenExpr;

export const COMPARISON_OPS: readonly BinaryOp[] = ["==", "!=", ">", "<", ">=", "<="];
export const SET_OPS: readonly BinaryOp[] = ["and", "or", "unless"];
