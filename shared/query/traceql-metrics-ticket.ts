/**
 * The `traceql_metrics` ticket (Tempo's `/api/metrics/query_range` and `/api/metrics/query`)
 * and its answer. The router validates the request and aligns the window as Tempo's frontend
 * does (traceql-metrics/request.ts); `startNs`/`endNs` are that window, `stepNs` its step.
 * The querier answers one row: Tempo's QueryRangeResponse as JSON, so only series cross Flight.
 */
import { Field, Schema, Utf8 } from "apache-arrow";
import { z } from "zod";
import { nsString } from "./ticket-fields.ts";


export const TraceQLMetricsTicketSchema = z.object({
  kind: z.literal("traceql_metrics"),
  org: z.string().min(1),
  bucket: z.string().min(1),
  startNs: nsString,
  endNs: nsString,
  stepNs: nsString,
  instant: z.boolean().default(false),
  query: z.string().min(1),
  exemplars: z.number().int().min(0).max(100_000).default(0),
});

export const TRACEQL_METRICS_COLUMNS = {
  /** JSON of Tempo's QueryRangeResponse (shared/query/traceql-metrics/response.ts). */
  response: "response",
} as const;

export const traceqlMetricsResultSchema = new Schema([new Field(TRACEQL_METRICS_COLUMNS.response, new Utf8(), false)]);
