/**
 * Query tickets: the JSON document carried in an Arrow Flight `Ticket` from the router to a
 * querier. Validated with zod at the querier; every problem becomes a QueryError
 * (INVALID_ARGUMENT / 400) naming the offending field. TraceQL and LogQL texts are parsed here
 * too, so a bad query is refused before any data is gathered.
 */
import { z } from "zod";
import { commonTicketFields, nsString } from "./ticket-fields.ts";
import type { TableName } from "../tables/index.ts";
import { QueryError } from "./errors.ts";
import { parseLogQL } from "./logql/index.ts";
import { parseTraceQLSearch } from "./traceql/index.ts";
import { PROMETHEUS_TICKET_SCHEMAS } from "./prometheus-tickets.ts";
import { LOKI_META_TICKET_SCHEMAS } from "./loki-meta-tickets.ts";
import { parseStreamSelector, querySelectors } from "./loki-selector.ts";
import { parsePromQL } from "./promql/parser.ts";
import { TraceQLMetricsTicketSchema } from "./traceql-metrics-ticket.ts";
import { parseMetricsQuery } from "./traceql-metrics/parser.ts";

const positiveInt = (max: number) => z.number().int().min(1).max(max);

const common = commonTicketFields;

/** Tempo accepts shorter ids and left-pads them with zeros; ids are stored lower-case. */
const traceId = z
  .string()
  .regex(/^[0-9a-fA-F]{1,32}$/, "must be 1 to 32 hex digits")
  .transform((id) => id.toLowerCase().padStart(32, "0"));

export const TraceByIdTicketSchema = z.object({ kind: z.literal("trace_by_id"), ...common, traceId });

export const SearchTicketSchema = z.object({
  kind: z.literal("search"),
  ...common,
  tags: z.record(z.string(), z.string()).optional(),
  minDurationNs: nsString.optional(),
  maxDurationNs: nsString.optional(),
  limit: positiveInt(100_000).default(20),
  spss: positiveInt(10_000).default(3),
  q: z.string().optional(),
});

/**
 * `q` on the tag tickets: Tempo's TraceQL filter narrowing tags / values to matching spans.
 * Half-typed autocomplete text is normal: the querier drops what it cannot use, never refuses it.
 */
const tagFilter = z.string().max(16_384).optional();

export const TagNamesTicketSchema = z.object({
  kind: z.literal("tag_names"),
  ...common,
  scope: z.enum(["resource", "span", "event", "link", "intrinsic", "all"]).optional(),
  q: tagFilter,
});

export const TagValuesTicketSchema = z.object({ kind: z.literal("tag_values"), ...common, tag: z.string().min(1), q: tagFilter });

/**
 * A LogQL query (log or metric) run by the querier's evaluator over the logs source
 * (shared/query/logql). `evalStartNs`..`evalEndNs` every `stepNs` is what is evaluated (an
 * instant query: both equal, no step; a log query reads [evalStartNs, evalEndNs)); the common
 * `startNs`/`endNs` bound what is gathered, range vectors and offsets included.
 * Answer: LOGQL_RESULT_SCHEMA.
 */
export const LogQLTicketSchema = z.object({
  kind: z.literal("logql"),
  ...common,
  query: z.string().min(1),
  evalStartNs: nsString,
  evalEndNs: nsString,
  stepNs: nsString.optional(),
  limit: positiveInt(100_000).default(100),
  direction: z.enum(["forward", "backward"]).default("backward"),
  /** Evaluation's own deadline, so a slow query answers Loki's timeout instead of being cut off. */
  timeoutMs: z.number().int().positive().max(24 * 3_600_000).default(120_000),
});

/** Loki's `query=` on the label endpoints: a stream selector narrowing the streams read. */
const labelsQuery = z.string().max(64 * 1024).optional();

export const LogLabelsTicketSchema = z.object({ kind: z.literal("log_labels"), ...common, query: labelsQuery });

export const LogLabelValuesTicketSchema = z.object({
  kind: z.literal("log_label_values"),
  ...common,
  name: z.string().min(1),
  query: labelsQuery,
});

export const SqlTicketSchema = z.object({
  kind: z.literal("sql"),
  ...common,
  sql: z.string().min(1),
  maxRows: positiveInt(1_000_000).default(10_000),
});

export const TicketSchema = z.discriminatedUnion("kind", [
  TraceByIdTicketSchema,
  SearchTicketSchema,
  TagNamesTicketSchema,
  TagValuesTicketSchema,
  LogQLTicketSchema,
  LogLabelsTicketSchema,
  LogLabelValuesTicketSchema,
  SqlTicketSchema,
  ...PROMETHEUS_TICKET_SCHEMAS,
  TraceQLMetricsTicketSchema,
  ...LOKI_META_TICKET_SCHEMAS,
]);

export type Ticket = z.output<typeof TicketSchema>;
/** What a caller may send: defaults (limit, spss, direction, maxRows) may be left out. */
export type TicketInput = z.input<typeof TicketSchema>;
export type TicketKind = Ticket["kind"];
export type TicketOf<K extends TicketKind> = Extract<Ticket, { kind: K }>;
export type TraceByIdTicket = TicketOf<"trace_by_id">;
export type SearchTicket = TicketOf<"search">;
export type TagNamesTicket = TicketOf<"tag_names">;
export type TagValuesTicket = TicketOf<"tag_values">;
export type LogQLTicket = TicketOf<"logql">;
export type LogLabelsTicket = TicketOf<"log_labels">;
export type LogLabelValuesTicket = TicketOf<"log_label_values">;
export type SqlTicket = TicketOf<"sql">;
export type PromSeriesTicket = TicketOf<"prom_series">;
export type PromLabelsTicket = TicketOf<"prom_labels">;
export type PromLabelValuesTicket = TicketOf<"prom_label_values">;
export type PromMetadataTicket = TicketOf<"prom_metadata">;
export type PromExemplarsTicket = TicketOf<"prom_exemplars">;
export type PromQLTicket = TicketOf<"promql">;
export type TraceQLMetricsTicket = TicketOf<"traceql_metrics">;
export type LogSeriesTicket = TicketOf<"log_series">;
export type LogIndexStatsTicket = TicketOf<"log_index_stats">;
export type LogVolumeTicket = TicketOf<"log_volume">;
export type LogDetectedLabelsTicket = TicketOf<"log_detected_labels">;
export type LogDetectedFieldsTicket = TicketOf<"log_detected_fields">;
export type LogDetectedFieldValuesTicket = TicketOf<"log_detected_field_values">;
export type LogPatternsTicket = TicketOf<"log_patterns">;
export type LokiMetaTicket =
  | LogSeriesTicket | LogIndexStatsTicket | LogVolumeTicket | LogDetectedLabelsTicket | LogDetectedFieldsTicket | LogDetectedFieldValuesTicket | LogPatternsTicket;
export type PrometheusTicket = PromSeriesTicket | PromLabelsTicket | PromLabelValuesTicket | PromMetadataTicket | PromExemplarsTicket | PromQLTicket;

/** Arrow schema metadata key, "true" on an `sql` result cut at its row limit. */
export const SQL_TRUNCATED_METADATA = "signalbox.truncated";

/**
 * Validates a ticket. Accepts the parsed JSON value, the JSON text, or the raw Flight ticket
 * bytes (UTF-8 JSON). Throws QueryError (INVALID_ARGUMENT) listing every problem.
 */
export function parseTicket(json: unknown): Ticket {
  const value = typeof json === "string" || json instanceof Uint8Array ? parseJsonText(json) : json;
  const result = TicketSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "ticket"}: ${i.message}`);
    throw QueryError.invalid(`invalid query ticket: ${problems.join("; ")}`);
  }
  const ticket = result.data;
  if (ticket.startNs !== undefined && ticket.endNs !== undefined && BigInt(ticket.startNs) > BigInt(ticket.endNs)) {
    throw QueryError.invalid("invalid query ticket: startNs is after endNs");
  }
  if (ticket.kind === "search") {
    if (ticket.q !== undefined && ticket.q.trim() !== "") {
      // Tempo: "tags and traceQL API are mutually exclusive".
      if (Object.keys(ticket.tags ?? {}).length > 0) throw QueryError.invalid("invalid request: can't specify tags and q in the same query");
      parseTraceQLSearch(ticket.q);
    }
    const { minDurationNs: min, maxDurationNs: max } = ticket;
    if (min !== undefined && max !== undefined && BigInt(min) > BigInt(max)) {
      throw QueryError.invalid("invalid query ticket: minDurationNs is greater than maxDurationNs");
    }
  }
  checkLokiSelectors(ticket);
  if (ticket.kind === "promql") parsePromQL(ticket.query);
  if (ticket.kind === "traceql_metrics") {
    parseMetricsQuery(ticket.query);
    if (BigInt(ticket.stepNs) <= 0n) throw QueryError.invalid("invalid query ticket: stepNs must be positive");
  }
  if (ticket.kind === "logql") {
    parseLogQL(ticket.query);
    if (BigInt(ticket.evalStartNs) > BigInt(ticket.evalEndNs)) throw QueryError.invalid("invalid query ticket: evalStartNs is after evalEndNs");
  }
  return ticket;
}

/** The JSON text to put in a Flight Ticket. */
export function encodeTicket(ticket: TicketInput): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(ticket));
}

/** The tables a ticket reads: the caller gathers files and live rows for exactly these. */
export function ticketTables(ticket: Pick<Ticket, "kind">): TableName[] {
  switch (ticket.kind) {
    case "trace_by_id":
    case "search":
    case "traceql_metrics":
    case "tag_names":
    case "tag_values":
      return ["traces"];
    case "logql":
    case "log_labels":
    case "log_label_values":
    case "log_series":
    case "log_index_stats":
    case "log_volume":
    case "log_detected_labels":
    case "log_detected_fields":
    case "log_detected_field_values":
    case "log_patterns":
      return ["logs"];
    case "sql":
      return ["traces", "logs", "metrics"];
    case "prom_series":
    case "prom_labels":
    case "prom_label_values":
    case "prom_metadata":
    case "prom_exemplars":
    case "promql":
      return ["metrics"];
  }
}

/** The Loki tickets' selectors and queries parse, or the ticket is refused with the position. */
function checkLokiSelectors(ticket: Ticket): void {
  switch (ticket.kind) {
    case "log_labels":
    case "log_label_values":
    case "log_detected_labels":
      if (ticket.query !== undefined) parseStreamSelector(ticket.query);
      return;
    case "log_index_stats":
    case "log_volume":
      querySelectors(ticket.query);
      return;
    case "log_series":
      for (const s of ticket.selectors) parseStreamSelector(s);
      return;
    case "log_detected_fields":
    case "log_detected_field_values":
    case "log_patterns":
      parseLogQL(ticket.query);
      return;
  }
}

function parseJsonText(json: string | Uint8Array): unknown {
  const text = typeof json === "string" ? json : new TextDecoder().decode(json);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw QueryError.invalid(`invalid query ticket: not JSON (${(err as Error).message})`);
  }
}
