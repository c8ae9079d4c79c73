/** All spans of one trace, with exactly the columns and types of `traceByIdSchema` (the traces table's). */
import { quoteIdent, quoteLiteral } from "../../../shared/duckdb/index.ts";
import { traceByIdSchema, type TraceByIdTicket } from "../../../shared/query/index.ts";

/**
 * startNs/endNs are deliberately not applied to rows: a trace is returned whole. The caller
 * already used them to choose which files to read.
 */
export function traceByIdSql(ticket: TraceByIdTicket, view: string, maxRows: number): string {
  return traceByIdFrom(ticket, quoteIdent(view), maxRows);
}

/** The same statement over the source view's query itself (source-view.ts, `filesViewSelect`). */
export function traceByIdOverSelect(ticket: TraceByIdTicket, select: string, maxRows: number): string {
  return traceByIdFrom(ticket, `(${select}) AS spans`, maxRows);
}

function traceByIdFrom(ticket: TraceByIdTicket, from: string, maxRows: number): string {
  const columns = traceByIdSchema.fields.map((f) => quoteIdent(f.name)).join(", ");
  return (
    `SELECT ${columns} FROM ${from} WHERE trace_id = ${quoteLiteral(ticket.traceId)} ` +
    `ORDER BY start_time_unix_nano, span_id LIMIT ${maxRows}`
  );
}
