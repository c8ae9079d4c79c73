/**
 * Tempo's search without `q` (`tags=`, `minDuration`, `maxDuration`), as its Parquet blocks
 * answer it (tempodb/encoding/vparquet4/block_search.go): a trace-level match.
 * - `root.name`, `root.service.name`: substring of the root span's name / service;
 * - `service.name`, `cluster`, `namespace`, `pod`, `container`, `k8s.{cluster,namespace,pod,container}.name`:
 *   substring of that resource attribute; `name`, `http.method`, `http.url`: substring of the
 *   span's; `http.status_code` (a number): that integer; `status.code`: `ok` / `error` /
 *   `unset` (anything else counts as unset);
 * - any other key: a string attribute equal to the value, on the resource or a span, all
 *   such keys within one resource (Tempo joins them per ResourceSpans);
 * each condition may hold on a different span of the trace; min/max duration bound the
 * trace's duration. Tempo answers no span sets for such a search.
 */
import { NulInSqlTextError, quoteLiteral } from "../../../../shared/duckdb/index.ts";
import { containsKeyValueSql, type AttributeColumn } from "../attribute-sql.ts";
import { dedicatedColumn, memberText, stringEqualsSql } from "../dedicated-sql.ts";
import type { SearchTicket } from "../../../../shared/query/index.ts";
import type { EvalSpan, EvalTrace } from "./trace-model.ts";

const ROOT_KEYS: Record<string, (t: EvalTrace) => string | null | undefined> = {
  "root.name": (t) => t.root?.row.name,
  "root.service.name": (t) => t.root?.row.service_name,
};
const RESOURCE_SUBSTRING_KEYS = new Set([
  "service.name", "cluster", "namespace", "pod", "container", "k8s.cluster.name", "k8s.namespace.name", "k8s.pod.name", "k8s.container.name",
]);
const SPAN_SUBSTRING: Record<string, (s: EvalSpan) => string | undefined> = {
  name: (s) => s.row.name,
  "http.method": (s) => stringAttribute(s.attributes.get("http.method")),
  "http.url": (s) => stringAttribute(s.attributes.get("http.url")),
};
const STATUS_CODES: Record<string, number> = { unset: 0, ok: 1, error: 2 };

export function isLegacySearch(ticket: SearchTicket): boolean {
  return (ticket.q === undefined || ticket.q.trim() === "") && (Object.keys(ticket.tags ?? {}).length > 0 || ticket.minDurationNs !== undefined || ticket.maxDurationNs !== undefined);
}

/**
 * A necessary condition on one span of a matching trace, as SQL: one tag's condition (each
 * must hold on some span; an exact one is preferred, it keeps the fewest candidates), and no
 * span longer than maxDuration.
 */
export function legacyCandidateSql(ticket: SearchTicket): string {
  // No stored text holds a NUL; refused like any NUL spliced into SQL (the asker's mistake).
  for (const [key, value] of Object.entries(ticket.tags ?? {})) {
    if (key.includes("\u0000") || value.includes("\u0000")) throw new NulInSqlTextError(`the tag ${JSON.stringify(key)}`);
  }
  const parts: string[] = [];
  const tags = Object.entries(ticket.tags ?? {}).map(([key, value]) => ({ key, value, sql: tagCandidateSql(key, value) }));
  const best = tags.sort((a, b) => a.sql.rank - b.sql.rank)[0];
  if (best !== undefined) parts.push(best.sql.sql);
  if (ticket.maxDurationNs !== undefined) parts.push(`(duration_nano <= CAST(${BigInt(ticket.maxDurationNs)} AS BIGINT))`);
  return parts.length ? parts.join(" AND ") : "TRUE";
}

/** One tag's span-level necessary condition; rank 0 exact, 1 substring, 2 weak. */
function tagCandidateSql(key: string, value: string): { sql: string; rank: number } {
  const raw = quoteLiteral(value);
  const escaped = quoteLiteral(JSON.stringify(value).slice(1, -1));
  const keyed = (column: AttributeColumn) =>
    `(strpos(coalesce(${column}, ''), ${quoteLiteral(`"key":${JSON.stringify(key)},"value":{"stringValue":"`)}) > 0 AND strpos(${column}, ${escaped}) > 0)`;
  if (key === "root.name" || key === "name") return { sql: `(strpos(name, ${raw}) > 0)`, rank: 1 };
  if (key === "root.service.name" || key === "service.name") return { sql: `(strpos(coalesce(service_name, ''), ${raw}) > 0)`, rank: 1 };
  if (RESOURCE_SUBSTRING_KEYS.has(key)) return { sql: keyed("resource_attributes"), rank: 1 };
  if (key in SPAN_SUBSTRING) {
    const dedicated = dedicatedColumn("attributes", key);
    return { sql: dedicated ? `(strpos(coalesce(${memberText(dedicated, "s")}, ''), ${raw}) > 0)` : keyed("attributes"), rank: 1 };
  }
  if (key === "http.status_code" && /^-?\d+$/.test(value)) {
    const dedicated = dedicatedColumn("attributes", key);
    const sql = dedicated ? `(${dedicated} = ${quoteLiteral("i" + BigInt(value))})` : containsKeyValueSql("attributes", key, "intValue", JSON.stringify(String(BigInt(value))));
    return { sql, rank: 0 };
  }
  if (key === "status.code") return { sql: `(status_code = ${STATUS_CODES[value] ?? 0})`, rank: 2 };
  const dedicated = dedicatedColumn("attributes", key);
  const span = dedicated ? stringEqualsSql(dedicated, value) : containsKeyValueSql("attributes", key, "stringValue", JSON.stringify(value));
  return { sql: `(${span} OR ${containsKeyValueSql("resource_attributes", key, "stringValue", JSON.stringify(value))})`, rank: 0 };
}

/**
 * The span attribute keys legacyMatches reads for these tags (root and resource keys, `name`
 * and `status.code` read other fields): when each has a dedicated column, a search reads those
 * instead of the span attribute JSON (search-eval.ts).
 */
export function legacySpanAttributeKeys(ticket: SearchTicket): string[] {
  return Object.keys(ticket.tags ?? {}).filter(
    (key) => !(key in ROOT_KEYS) && !RESOURCE_SUBSTRING_KEYS.has(key) && key !== "name" && key !== "status.code",
  );
}

export function legacyMatches(ticket: SearchTicket, trace: EvalTrace): boolean {
  const duration = trace.end - trace.start;
  if (ticket.minDurationNs !== undefined && duration < BigInt(ticket.minDurationNs)) return false;
  if (ticket.maxDurationNs !== undefined && duration > BigInt(ticket.maxDurationNs)) return false;
  const generic: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(ticket.tags ?? {})) {
    const root = ROOT_KEYS[key];
    if (root !== undefined) {
      if (!(root(trace) ?? "").includes(value)) return false;
    } else if (RESOURCE_SUBSTRING_KEYS.has(key)) {
      if (!trace.spans.some((s) => (stringAttribute(s.resourceAttributes.get(key)) ?? "").includes(value))) return false;
    } else if (key in SPAN_SUBSTRING) {
      if (!trace.spans.some((s) => (SPAN_SUBSTRING[key]!(s) ?? "").includes(value))) return false;
    } else if (key === "http.status_code" && /^-?\d+$/.test(value)) {
      if (!trace.spans.some((s) => intAttribute(s.attributes.get(key)) === BigInt(value))) return false;
    } else if (key === "status.code") {
      const code = STATUS_CODES[value] ?? 0;
      if (!trace.spans.some((s) => s.row.status_code === code)) return false;
    } else {
      generic.push([key, value]);
    }
  }
  if (generic.length === 0) return true;
  // All generic conditions within one resource: on its attributes or on any of its spans'.
  const byResource = Map.groupBy(trace.spans, (s) => `${s.row.service_name}\u0000${s.row.resource_attributes ?? ""}`);
  for (const spans of byResource.values()) {
    const resource = spans[0]!.resourceAttributes;
    const holds = ([key, value]: [string, string]) =>
      stringAttribute(resource.get(key)) === value || spans.some((s) => stringAttribute(s.attributes.get(key)) === value);
    if (generic.every(holds)) return true;
  }
  return false;
}

function stringAttribute(av: unknown): string | undefined {
  const v = (av as { stringValue?: unknown } | undefined)?.stringValue;
  return typeof v === "string" ? v : undefined;
}

function intAttribute(av: unknown): bigint | undefined {
  const v = (av as { intValue?: unknown } | undefined)?.intValue;
  try {
    return v === undefined ? undefined : BigInt(v as string);
  } catch {
    return undefined;
  }
}
