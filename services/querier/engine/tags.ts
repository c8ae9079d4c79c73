/**
 * Tempo tag discovery: attribute names by scope (`/api/v2/search/tags`: resource, span, event,
 * link attributes and the intrinsics) and the distinct values of one tag with Tempo's type
 * names (`/api/v2/search/tag/{tag}/values`), both narrowed by `q` (tag-filter.ts).
 */
import { quoteIdent, quoteLiteral } from "../../../shared/duckdb/index.ts";
import { TAG_VALUES_CAP, type TagNamesTicket, type TagValuesTicket } from "../../../shared/query/index.ts";
import { INTRINSICS, KIND_CODE, STATUS_CODE } from "../../../shared/query/traceql/index.ts";
import { attributeEntriesSql, attributeKeysSql, scalarTextOf, scalarTypeOf, type AttributeColumn } from "./attribute-sql.ts";
import { tagFilterSql } from "./tag-filter.ts";
import { bigintSql } from "./traceql-sql.ts";

/** The spans whose tags count: those in the time range that match `q` (tag-filter.ts). */
function spanFilter(ticket: { startNs?: string; endNs?: string; q?: string }, column: string): string {
  const parts = ["TRUE"];
  if (ticket.startNs !== undefined) parts.push(`${column} >= ${bigintSql(BigInt(ticket.startNs))}`);
  if (ticket.endNs !== undefined) parts.push(`${column} <= ${bigintSql(BigInt(ticket.endNs))}`);
  const q = tagFilterSql(ticket.q);
  if (q !== "TRUE") parts.push(q);
  return parts.join(" AND ");
}

/** Attributes of a span's events and links: lists of OTLP JSON objects, each with its `attributes`. */
type NestedScope = "event" | "link";
const NESTED_COLUMNS: Record<NestedScope, string> = { event: "events", link: "links" };
const nestedKeysSql = (scope: NestedScope) => `json_extract_string(NULLIF(${NESTED_COLUMNS[scope]}, ''), '$[*].attributes[*].key')`;
const nestedEntriesSql = (scope: NestedScope) => `json_extract(NULLIF(${NESTED_COLUMNS[scope]}, ''), '$[*].attributes[*]')`;

/** True when the tag tickets' `q` narrows them: the view then needs the search's dedicated columns. */
export function tagTicketFilters(ticket: { q?: string }): boolean {
  return tagFilterSql(ticket.q) !== "TRUE";
}

export function tagNamesSql(ticket: TagNamesTicket, view: string): string {
  const scope = ticket.scope ?? "all";
  const where = spanFilter(ticket, "start_time_unix_nano");
  const parts: string[] = [];
  const keysOf = (keysSql: string, label: string) =>
    `SELECT DISTINCT ${quoteLiteral(label)} AS scope, unnest(${keysSql}) AS name FROM ${quoteIdent(view)} WHERE ${where}`;
  if (scope === "all" || scope === "resource") parts.push(keysOf(attributeKeysSql("resource_attributes"), "resource"));
  if (scope === "all" || scope === "span") parts.push(keysOf(attributeKeysSql("attributes"), "span"));
  if (scope === "all" || scope === "event") parts.push(keysOf(nestedKeysSql("event"), "event"));
  if (scope === "all" || scope === "link") parts.push(keysOf(nestedKeysSql("link"), "link"));
  if (scope === "all" || scope === "intrinsic") {
    parts.push(`SELECT 'intrinsic' AS scope, unnest([${INTRINSICS.map(quoteLiteral).join(", ")}]) AS name`);
  }
  return `SELECT DISTINCT scope, name FROM (${parts.join(" UNION ALL ")}) WHERE name IS NOT NULL ORDER BY scope, name`;
}

type TagTarget =
  | { kind: "attribute"; columns: AttributeColumn[]; key: string }
  | { kind: "nested"; scope: NestedScope; key: string }
  | { kind: "intrinsic"; name: string };

/** `resource.x`, `span.x`, `event.x`, `link.x`, `.x`, bare `x` (unscoped) or an intrinsic name. */
export function parseTagName(tag: string): TagTarget {
  if (tag.startsWith("event.")) return { kind: "nested", scope: "event", key: tag.slice(6) };
  if (tag.startsWith("link.")) return { kind: "nested", scope: "link", key: tag.slice(5) };
  if (tag.startsWith("resource.")) return { kind: "attribute", columns: ["resource_attributes"], key: tag.slice(9) };
  if (tag.startsWith("span.")) return { kind: "attribute", columns: ["attributes"], key: tag.slice(5) };
  if (tag.startsWith(".")) return { kind: "attribute", columns: ["attributes", "resource_attributes"], key: tag.slice(1) };
  if ((INTRINSICS as readonly string[]).includes(tag)) return { kind: "intrinsic", name: tag };
  return { kind: "attribute", columns: ["attributes", "resource_attributes"], key: tag };
}

export function tagValuesSql(ticket: TagValuesTicket, view: string): string {
  const target = parseTagName(ticket.tag);
  const src = quoteIdent(view);
  const where = spanFilter(ticket, "start_time_unix_nano");
  const valuesOf = (entriesSql: string, key: string) =>
    `SELECT ${scalarTypeOf("e.v")} AS type, ${scalarTextOf("e.v")} AS value FROM (` +
    `SELECT json_extract(kv, '$.value') AS v FROM (SELECT unnest(${entriesSql}) AS kv FROM ${src} WHERE ${where}) ` +
    `WHERE json_extract_string(kv, '$.key') = ${quoteLiteral(key)}) e`;
  let inner: string;
  if (target.kind === "intrinsic") {
    inner = intrinsicValuesSql(target.name, src, where);
  } else if (target.kind === "nested") {
    inner = valuesOf(nestedEntriesSql(target.scope), target.key);
  } else {
    inner = target.columns.map((column) => valuesOf(attributeEntriesSql(column), target.key)).join(" UNION ALL ");
  }
  return `SELECT DISTINCT type, value FROM (${inner}) WHERE type IS NOT NULL AND value IS NOT NULL ORDER BY value, type LIMIT ${TAG_VALUES_CAP}`;
}

function keywordCase(column: string, codes: Record<string, number>): string {
  const whens = Object.entries(codes).map(([k, code]) => `WHEN ${code} THEN ${quoteLiteral(k)}`);
  return `CASE ${column} ${whens.join(" ")} END`;
}

function intrinsicValuesSql(name: string, src: string, where: string): string {
  switch (name) {
    case "name":
      return `SELECT 'string' AS type, name AS value FROM ${src} WHERE ${where}`;
    case "status":
      return `SELECT 'keyword' AS type, ${keywordCase("status_code", STATUS_CODE)} AS value FROM ${src} WHERE ${where}`;
    case "kind":
      return `SELECT 'keyword' AS type, ${keywordCase("kind", KIND_CODE)} AS value FROM ${src} WHERE ${where}`;
    case "rootServiceName":
      return `SELECT 'string' AS type, service_name AS value FROM ${src} WHERE parent_span_id = '' AND ${where}`;
    case "rootName":
      return `SELECT 'string' AS type, name AS value FROM ${src} WHERE parent_span_id = '' AND ${where}`;
    default:
      // duration: every span has its own; Tempo offers no value list for it either.
      return `SELECT NULL::VARCHAR AS type, NULL::VARCHAR AS value WHERE FALSE`;
  }
}
