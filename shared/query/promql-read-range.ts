/**
 * The time range of stored samples a PromQL query can read, so the querier gathers only the
 * files and live rows that may hold them: each selector reaches back by its range (or the
 * lookback delta) and its offset, inside every subquery's range and offset around it. A query
 * with `@` may read any time: no bound.
 */
import type { Expr } from "./promql/ast.ts";

export interface ReadRange {
  startMs: number;
  endMs: number;
}

export function promqlReadRange(expr: Expr, startMs: number, endMs: number, lookbackMs: number): ReadRange | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  let unbounded = false;
  const visit = (e: Expr, from: number, to: number): void => {
    switch (e.type) {
      case "VectorSelector":
        if (e.at) unbounded = true;
        lo = Math.min(lo, from - e.offsetMs - lookbackMs);
        hi = Math.max(hi, to - e.offsetMs);
        return;
      case "MatrixSelector":
        if (e.selector.at) unbounded = true;
        lo = Math.min(lo, from - e.selector.offsetMs - e.rangeMs);
        hi = Math.max(hi, to - e.selector.offsetMs);
        return;
      case "Subquery":
        if (e.at) unbounded = true;
        return visit(e.expr, from - e.offsetMs - e.rangeMs, to - e.offsetMs);
      case "Call":
        return e.args.forEach((a) => visit(a, from, to));
      case "Aggregate":
        if (e.param) visit(e.param, from, to);
        return visit(e.expr, from, to);
      case "Binary":
        visit(e.lhs, from, to);
        return visit(e.rhs, from, to);
      case "Unary":
      case "Paren":
        return visit(e.expr, from, to);
      default:
        return;
    }
  };
  visit(expr, startMs, endMs);
  if (unbounded) return undefined;
  if (lo === Infinity) return { startMs, endMs };
  return { startMs: lo, endMs: hi };
}
