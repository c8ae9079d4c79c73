/**
 * What the router must know of a LogQL query before sending it: whether it is a log or a
 * metric query, and how far before the evaluated range it reads (its longest range vector
 * plus offset), so the querier gathers exactly the files that can matter and `[1y]` is
 * refused before anything is read.
 */
import type { LogQLExpr, MetricExpr } from "../../../../shared/query/logql/index.ts";

export function isLogQuery(expr: LogQLExpr): boolean {
  return expr.kind === "log";
}

/** The longest `[range] offset d` of the query, in ns (0 for a log query); also its longest range alone. */
export function lookBehind(expr: LogQLExpr): { readNs: bigint; rangeNs: bigint } {
  let readNs = 0n;
  let rangeNs = 0n;
  const walk = (e: MetricExpr): void => {
    switch (e.kind) {
      case "range_aggregation": {
        const offset = e.range.offsetNs > 0n ? e.range.offsetNs : 0n;
        if (e.range.rangeNs + offset > readNs) readNs = e.range.rangeNs + offset;
        if (e.range.rangeNs > rangeNs) rangeNs = e.range.rangeNs;
        return;
      }
      case "vector_aggregation":
      case "label_replace":
        return walk(e.expr);
      case "binary":
        walk(e.lhs);
        return walk(e.rhs);
      default:
        return;
    }
  };
  if (expr.kind !== "log") walk(expr);
  return { readNs, rangeNs };
}
