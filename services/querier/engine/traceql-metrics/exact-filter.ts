/**
 * A spanset filter as an exact SQL predicate over one span, when it can be one: the metrics
 * SQL then groups the matched spans in DuckDB without loading them into JS. Built from the
 * search's candidate SQL (traceql-sql.ts), which says exactly the comparisons it does not
 * relax to TRUE; `&&`, `||`, `!`, `!= nil`, `nestedSetParent<0` (Drilldown's root spans) are
 * added here. Array attributes compare element-wise only in the evaluator: the candidate
 * SQL's array guards are returned apart, and the caller falls back to the evaluator when a
 * span in the window holds such an array.
 */
import { quoteLiteral } from "../../../../shared/duckdb/index.ts";
import type { FieldExpr, Literal } from "../../../../shared/query/traceql/index.ts";
import { dedicatedColumn } from "../dedicated-sql.ts";
import { filterSql } from "../traceql-sql.ts";

export interface ExactFilter {
  /** Exact for every span without an array value under a compared key. */
  sql: string;
  /** True for a span holding an array value that a comparison names. */
  arrayGuards: string[];
}

const GUARD = / OR (starts_with\([^()]*, 'x'\)|\(strpos\((?:attributes|resource_attributes), '(?:[^']|'')*"arrayValue"'\) > 0\))/g;

export function exactFilter(e: FieldExpr): ExactFilter | null {
  const guards: string[] = [];
  const sql = exact(e, guards);
  return sql === null ? null : { sql, arrayGuards: [...new Set(guards)] };
}

function exact(e: FieldExpr, guards: string[]): string | null {
  if (e.type === "bool") return e.value ? "TRUE" : "FALSE";
  if (e.type === "binary" && (e.op === "&&" || e.op === "||")) {
    const l = exact(e.left, guards);
    const r = exact(e.right, guards);
    return l === null || r === null ? null : `(${l} ${e.op === "&&" ? "AND" : "OR"} ${r})`;
  }
  if (e.type === "unary" && e.op === "!") {
    const inner = exact(e.operand, guards);
    return inner === null ? null : `(NOT ${inner})`;
  }
  if (e.type === "unary" && (e.op === "exists" || e.op === "not_exists")) {
    const has = exists(e.operand);
    return has === null ? null : e.op === "exists" ? has : `(NOT ${has})`;
  }
  if (e.type === "binary") {
    const root = nestedSetParent(e);
    if (root !== undefined) return root;
    const sql = filterSql(e, []);
    // TRUE: the candidate SQL relaxed a comparison it cannot say.
    if (sql === "TRUE") return null;
    const found = [...sql.matchAll(GUARD)].map((m) => m[1]!);
    guards.push(...found);
    // Two-valued: a comparison on a missing attribute is false, also under NOT.
    return `coalesce(${sql.replace(GUARD, "")}, FALSE)`;
  }
  return null;
}

/** `x != nil`: the span (or its resource) has the attribute. */
function exists(operand: FieldExpr): string | null {
  if (operand.type !== "attribute" || operand.parent) return null;
  const has = (column: "attributes" | "resource_attributes") => {
    if (column === "resource_attributes" && operand.name === "service.name") return `(service_name <> '')`;
    const dedicated = dedicatedColumn(column, operand.name);
    if (dedicated !== undefined) return `(${dedicated} IS NOT NULL)`;
    return `coalesce(list_contains(json_extract_string(NULLIF(${column}, ''), '$[*].key'), ${quoteLiteral(operand.name)}), FALSE)`;
  };
  switch (operand.scope) {
    case "span":
      return has("attributes");
    case "resource":
      return has("resource_attributes");
    case "unscoped":
      return `(${has("attributes")} OR ${has("resource_attributes")})`;
    default:
      return null;
  }
}

/**
 * `nestedSetParent` against a number: Tempo numbers a root span's parent -1 and every other
 * span's parent 1 or more, so comparisons with a value below 1 say "root" or "not root".
 * Undefined when the comparison is not of that form.
 */
function nestedSetParent(e: Extract<FieldExpr, { type: "binary" }>): string | null | undefined {
  const isNsp = (x: FieldExpr) => x.type === "intrinsic" && x.name === "nestedSetParent";
  const literal = (x: FieldExpr): x is Extract<Literal, { type: "int" }> => x.type === "int";
  let op = e.op;
  let value: bigint;
  if (isNsp(e.left) && literal(e.right)) value = e.right.value;
  else if (literal(e.left) && isNsp(e.right)) {
    value = e.left.value;
    op = ({ "<": ">", ">": "<", "<=": ">=", ">=": "<=" } as Record<string, typeof op>)[op] ?? op;
  } else return undefined;
  const root = "(parent_span_id = '')";
  const notRoot = "(parent_span_id <> '')";
  // Possible values: -1 (root) and ≥ 1 (others). Decide each comparison over both.
  const holds = (v: bigint): boolean => {
    switch (op) {
      case "<": return v < value;
      case "<=": return v <= value;
      case ">": return v > value;
      case ">=": return v >= value;
      case "=": return v === value;
      case "!=": return v !== value;
      default: return false;
    }
  };
  if (!["<", "<=", ">", ">=", "=", "!="].includes(op)) return null;
  // Non-root values from 1 up: only decidable when the literal does not split them.
  if (value >= 1n && !(op === "<" && value === 1n) && !(op === ">=" && value === 1n)) return null;
  const r = holds(-1n);
  const n = holds(1n);
  return r && n ? "TRUE" : r ? root : n ? notRoot : "FALSE";
}
