/** The bound on what a metrics query's SQL may answer: groups of (series, step, bucket). */
import { QueryError } from "../../../../shared/query/index.ts";

export function tooManyGroups(maxRows: number): QueryError {
  return new QueryError(
    "RESOURCE_EXHAUSTED",
    `TraceQL metrics: more than ${maxRows} series × steps; group by fewer or coarser attributes, or use a larger step or a shorter range`,
  );
}
