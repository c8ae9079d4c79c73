/**
 * The one SQL statement (and result schema) each built-in ticket kind runs over the source
 * view (search aside: search-plan.ts). Also what the query benchmark runs directly in DuckDB as its ceiling, so the figures
 * compare the same SQL with and without the querier / router around it.
 */
import type { Schema } from "apache-arrow";
import {
  tagNamesSchema, tagValuesSchema, traceByIdSchema,
  type LogLabelsTicket, type LogLabelValuesTicket, type LokiMetaTicket, type PrometheusTicket, type Ticket, type TraceQLMetricsTicket,
} from "../../../shared/query/index.ts";
import { tagNamesSql, tagValuesSql } from "./tags.ts";
import { traceByIdSql } from "./trace-by-id-sql.ts";

export interface BuiltInQuery {
  sql: string;
  /** The answer's schema. */
  schema: Schema;
}

/**
 * The tickets answered by one SQL statement (the Prometheus, TraceQL metrics, LogQL and Loki
 * metadata tickets have their own modules; search evaluates its spansets in JS: search-plan.ts).
 */
export type BuiltInTicket = Exclude<
  Ticket,
  { kind: "sql" } | { kind: "search" } | { kind: "logql" } | PrometheusTicket | TraceQLMetricsTicket | LokiMetaTicket | LogLabelsTicket | LogLabelValuesTicket
>;

export function builtInSql(ticket: BuiltInTicket, view: string, maxRows: number): BuiltInQuery {
  switch (ticket.kind) {
    case "trace_by_id":
      return { sql: traceByIdSql(ticket, view, maxRows), schema: traceByIdSchema };
    case "tag_names":
      return { sql: tagNamesSql(ticket, view), schema: tagNamesSchema };
    case "tag_values":
      return { sql: tagValuesSql(ticket, view), schema: tagValuesSchema };
  }
}
