/**
 * Tickets of the Prometheus HTTP API (`/prometheus/api/v1/...`) and their result columns.
 * The router parses `match[]` selectors and PromQL before a ticket leaves it; selectors travel
 * as label matchers (shared/series/types.ts). Their answers' columns are in results.ts.
 */
import { z } from "zod";
import { commonTicketFields } from "./ticket-fields.ts";


const common = commonTicketFields;

export const LabelMatcherSchema = z.object({
  name: z.string().min(1),
  op: z.enum(["=", "!=", "=~", "!~"]),
  value: z.string(),
});

/** One selector's matchers; a `match[]` list is a union of selectors. */
const selectors = z.array(z.array(LabelMatcherSchema).min(1)).max(100);
const limit = z.number().int().min(0).max(10_000_000).default(0);

export const PromSeriesTicketSchema = z.object({ kind: z.literal("prom_series"), ...common, match: selectors.min(1), limit });
export const PromLabelsTicketSchema = z.object({ kind: z.literal("prom_labels"), ...common, match: selectors.default([]), limit });
export const PromLabelValuesTicketSchema = z.object({
  kind: z.literal("prom_label_values"),
  ...common,
  name: z.string().min(1),
  match: selectors.default([]),
  limit,
});
export const PromMetadataTicketSchema = z.object({ kind: z.literal("prom_metadata"), ...common, metric: z.string().optional(), limit });
export const PromExemplarsTicketSchema = z.object({ kind: z.literal("prom_exemplars"), ...common, match: selectors.min(1) });

const ms = z.number().finite();

/**
 * A PromQL query, instant (`timeMs`) or range (`range`). startNs/endNs bound what is gathered
 * (promqlReadRange), not the evaluation. `timeoutMs` is the evaluation's own deadline, so a
 * slow query answers Prometheus's `timeout` instead of being cut off by the router.
 */
export const PromQLTicketSchema = z
  .object({
    kind: z.literal("promql"),
    ...common,
    query: z.string().min(1),
    timeMs: ms.optional(),
    range: z.object({ startMs: ms, endMs: ms, stepMs: z.number().positive() }).optional(),
    lookbackDeltaMs: z.number().int().positive().optional(),
    timeoutMs: z.number().int().positive().max(24 * 3_600_000).default(120_000),
    /** The org's `limits.max_query_series`: the most series the query's selectors may fetch. */
    maxSeries: z.number().int().positive().optional(),
  })
  .refine((t) => (t.timeMs === undefined) !== (t.range === undefined), { message: "exactly one of timeMs and range" });

export const PROMETHEUS_TICKET_SCHEMAS = [
  PromSeriesTicketSchema,
  PromLabelsTicketSchema,
  PromLabelValuesTicketSchema,
  PromMetadataTicketSchema,
  PromExemplarsTicketSchema,
  PromQLTicketSchema,
] as const;

export const PROMETHEUS_TICKET_KINDS: ReadonlySet<string> = new Set(["prom_series", "prom_labels", "prom_label_values", "prom_metadata", "prom_exemplars", "promql"]);
