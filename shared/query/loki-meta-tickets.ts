/**
 * Tickets of Loki's metadata endpoints (series, index stats and volume, detected labels and
 * fields, patterns). Each names the streams it reads by a LogQL stream selector (`query`,
 * `selectors`), as Loki's HTTP parameters do; `parseTicket` parses them so a bad selector is
 * refused before any data is gathered. Their answers' columns are in results.ts.
 */
import { z } from "zod";
import { commonTicketFields, nsString } from "./ticket-fields.ts";


const common = commonTicketFields;

/** A stream selector's text, `{name="value", …}`; `""` selects every stream. */
const selector = z.string().max(64 * 1024);

/** `/series`: the union of several selectors' streams (no selector: every stream). */
export const LogSeriesTicketSchema = z.object({ kind: z.literal("log_series"), ...common, selectors: z.array(selector.min(1)).max(100).default([]) });

/** `/index/stats`: what a selector's streams hold in the range. */
export const LogIndexStatsTicketSchema = z.object({ kind: z.literal("log_index_stats"), ...common, query: selector });

/**
 * `/index/volume` (`stepNs` absent: one total per group) and `/index/volume_range` (one per
 * step bucket). `aggregateBy` "series" groups by the target labels (or the selector's label
 * names), "labels" by each label name, as Loki does.
 */
export const LogVolumeTicketSchema = z.object({
  kind: z.literal("log_volume"),
  ...common,
  query: selector,
  targetLabels: z.array(z.string().min(1)).max(100).default([]),
  aggregateBy: z.enum(["series", "labels"]).default("series"),
  limit: z.number().int().min(1).max(100_000).default(100),
  stepNs: nsString.optional(),
});

/** `/detected_labels`: stream label names with their number of distinct values. */
export const LogDetectedLabelsTicketSchema = z.object({ kind: z.literal("log_detected_labels"), ...common, query: selector.default("") });

const detectedFields = {
  ...common,
  query: z.string().min(1).max(64 * 1024),
  lineLimit: z.number().int().min(1).max(100_000).default(1000),
  limit: z.number().int().min(1).max(100_000).default(1000),
};

/**
 * `/detected_fields`: fields of the newest `lineLimit` entries the log query `query` returns —
 * structured metadata, labels its parsers added, and what a json (else logfmt) parse of each
 * line finds — with Loki's type detection and their number of distinct values.
 */
export const LogDetectedFieldsTicketSchema = z.object({ kind: z.literal("log_detected_fields"), ...detectedFields });

/** `/detected_field/{name}/values`: the distinct values of one detected field, at most `limit`. */
export const LogDetectedFieldValuesTicketSchema = z.object({ kind: z.literal("log_detected_field_values"), ...detectedFields, name: z.string().min(1) });

/** `/patterns`: the log patterns of a selector's newest lines, counted per step. */
export const LogPatternsTicketSchema = z.object({
  kind: z.literal("log_patterns"),
  ...common,
  query: z.string().min(1).max(64 * 1024),
  stepNs: nsString,
  lineLimit: z.number().int().min(1).max(1_000_000).default(10_000),
});

export const LOKI_META_TICKET_SCHEMAS = [
  LogSeriesTicketSchema,
  LogIndexStatsTicketSchema,
  LogVolumeTicketSchema,
  LogDetectedLabelsTicketSchema,
  LogDetectedFieldsTicketSchema,
  LogDetectedFieldValuesTicketSchema,
  LogPatternsTicketSchema,
] as const;

export const LOKI_META_TICKET_KINDS: ReadonlySet<string> = new Set(LOKI_META_TICKET_SCHEMAS.map((s) => s.shape.kind.value));
