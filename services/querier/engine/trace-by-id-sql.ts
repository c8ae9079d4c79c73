/** All spans of one trace, with exactly the columns and types of `traceByIdSchema` (the traces table's). */
import { quoteIdent, quoteLiteral } from "../../../shared/duckdb/index.ts";
import { traceByIdSchema, type TraceByIdTicket } from "../../../shared/query/index.ts";

/**
 * startNs/endNs are deliberately not applied to rows: a trace is returned whole. The caller
 * already used them to choose which files to read.
 */
export function traceByIdSql(ticket: TraceByIdTicket, view: string, maxRows: number): string {
  const columns = traceByIdSchema.fields.map((f) => quoteIdent(f.name)).join(", ");
  return (
    `SELECT ${columns} FROM ${quoteIdent(view)} WHERE trace_id = ${quoteLiteral(ticket.traceId)} ` +
    `ORDER BY start_time_unix_nano, span_id LIMIT ${maxRows}`
  );
}
