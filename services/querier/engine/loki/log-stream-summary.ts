/**
 * What Loki's index knows about streams, computed from the logs table: the streams of a time
 * range (by their label set, shared/loki's model), and per stream its entries, bytes and "chunks",
 * optionally per time bucket. The metadata endpoints (labels, series, index stats, volume,
 * detected labels) are all answers over these summaries, so they share one scan.
 *
 * Rows are grouped in SQL by the columns a stream's labels come from (LokiResourceFields) — few
 * distinct values, a cheap GROUP BY — and the labels are derived in JS once per group; selectors are matched on
 * those labels, with matchers on `service_name` also pushed into the SQL so the Parquet scan
 * can skip what they exclude (the files are sorted by service).
 *
 * Loki counts bytes of the uncompressed lines (here: the stored body text, LINE_BYTES_SQL);
 * Signalbox has no chunks, so a stream's rows in one hour (the storage
 * partition) count as one chunk.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { quoteIdent, quoteLiteral } from "../../../../shared/duckdb/index.ts";
import { compileMatcher, labelsKey, matchesAll, type LabelMatcher, type Labels } from "../../../../shared/series/index.ts";
import { LOKI_LOG_COLUMNS, LOKI_TIME_SQL, ResourceSplitCache, SERVICE_NAME_SQL } from "../../../../shared/loki/index.ts";
import { bigintSql } from "../traceql-sql.ts";

const HOUR_NS = 3_600_000_000_000n;
/**
 * A line's bytes as stored: a string body's text as its JSON escapes it (quotes and
 * backslashes count twice), other bodies their OTLP/JSON — without a JSON parse per row,
 * which would double the cost of a scan that is mostly decompressing bodies.
 */
const STRING_BODY_PREFIX = '{"stringValue":"';
const LINE_BYTES_SQL = `(CASE WHEN starts_with(body, '${STRING_BODY_PREFIX}') THEN strlen(body) - ${STRING_BODY_PREFIX.length + 2} ELSE strlen(body) END)`;
const KEY_COLUMNS = [LOKI_LOG_COLUMNS.serviceName, LOKI_LOG_COLUMNS.resourceAttributes, LOKI_LOG_COLUMNS.resourceSchemaUrl].join(", ");

export interface StreamSummaryRequest {
  /** Half-open [startNs, endNs); absent bounds are open. */
  startNs?: bigint;
  endNs?: bigint;
  /** A union of selectors (each a list of matchers); empty: every stream. */
  selectors: readonly (readonly LabelMatcher[])[];
  /** Also count entries, bytes and chunks (labels and series need only the label sets). */
  counts: boolean;
  /** Split the counts into buckets of this width, aligned to the epoch (volume_range). */
  bucketNs?: bigint;
}

export interface StreamSummary {
  labels: Labels;
  /** Sum over the bucket (or the range): 0 when `counts` was not asked for. */
  entries: number;
  bytes: number;
  chunks: number;
  /** The bucket's start (aligned to bucketNs); undefined without buckets. */
  bucketStartNs?: bigint;
}

/**
 * The streams of the range matching any selector, one summary per (stream, bucket). Streams
 * whose label derivation lands on the same label set are merged.
 */
export async function streamSummaries(connection: DuckDBConnection, view: string, request: StreamSummaryRequest): Promise<StreamSummary[]> {
  const reader = await connection.runAndReadAll(summarySql(view, request));
  const columns = reader.getColumns();
  const column = <T>(i: number) => (columns[i] ?? []) as T[];
  const [service, resource, schemaUrl] = [column<string | null>(0), column<string | null>(1), column<string | null>(2)];
  const [entries, bytes, chunks, bucket] = [column<bigint>(3), column<bigint>(4), column<bigint>(5), column<bigint | null>(6)];
  const compiled = request.selectors.map((s) => s.map(compileMatcher));
  const merged = new Map<string, StreamSummary>();
  const resources = new ResourceSplitCache();
  for (let i = 0; i < service.length; i++) {
    const { labels } = resources.split({ serviceName: service[i] ?? "", resourceAttributes: resource[i] ?? "", resourceSchemaUrl: schemaUrl[i] ?? "" });
    if (compiled.length > 0 && !compiled.some((m) => matchesAll(m, labels))) continue;
    const bucketStartNs = request.bucketNs !== undefined ? (bucket[i] ?? 0n) : undefined;
    const key = `${labelsKey(labels)}\u0000${bucketStartNs ?? ""}`;
    const summary = merged.get(key);
    const counted = { entries: Number(entries[i] ?? 0n), bytes: Number(bytes[i] ?? 0n), chunks: Number(chunks[i] ?? 0n) };
    if (summary === undefined) merged.set(key, { labels, ...counted, bucketStartNs });
    else {
      summary.entries += counted.entries;
      summary.bytes += counted.bytes;
      summary.chunks += counted.chunks;
    }
  }
  return [...merged.values()];
}

function summarySql(view: string, request: StreamSummaryRequest): string {
  const where = ["TRUE"];
  if (request.startNs !== undefined) where.push(`${LOKI_TIME_SQL} >= ${bigintSql(request.startNs)}`);
  if (request.endNs !== undefined) where.push(`${LOKI_TIME_SQL} < ${bigintSql(request.endNs)}`);
  const pushed = serviceNamePushdown(request.selectors);
  if (pushed !== undefined) where.push(pushed);
  const keys = KEY_COLUMNS;
  const bucketNs = request.bucketNs;
  const bucket = bucketNs !== undefined ? `(_t // ${bigintSql(bucketNs)}) * ${bigintSql(bucketNs)}` : "NULL::BIGINT";
  const counts = request.counts
    ? `count(*)::BIGINT, sum(${LINE_BYTES_SQL})::BIGINT, count(DISTINCT _t // ${bigintSql(HOUR_NS)})::BIGINT`
    : "0::BIGINT, 0::BIGINT, 0::BIGINT";
  return `
SELECT ${keys}, ${counts}, ${bucket} AS _bucket
FROM (SELECT *, ${LOKI_TIME_SQL} AS _t FROM ${quoteIdent(view)} WHERE ${where.join(" AND ")})
GROUP BY ${keys}, _bucket`;
}

/**
 * The `service_name` matchers every selector shares, as SQL (a union of selectors can only
 * push down what all of them require). Undefined when there is nothing to push.
 */
function serviceNamePushdown(selectors: readonly (readonly LabelMatcher[])[]): string | undefined {
  if (selectors.length !== 1) return undefined;
  const parts = selectors[0]!.filter((m) => m.name === "service_name").map((m) => {
    const lit = quoteLiteral(m.value);
    switch (m.op) {
      case "=":
        return `${SERVICE_NAME_SQL} = ${lit}`;
      case "!=":
        return `${SERVICE_NAME_SQL} <> ${lit}`;
      case "=~":
        return `regexp_full_match(${SERVICE_NAME_SQL}, ${lit})`;
      case "!~":
        return `NOT regexp_full_match(${SERVICE_NAME_SQL}, ${lit})`;
    }
  });
  return parts.length > 0 ? parts.join(" AND ") : undefined;
}
