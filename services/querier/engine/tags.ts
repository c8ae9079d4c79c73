/**
 * Tempo tag discovery: attribute names by scope (`/api/v2/search/tags`) and the distinct values
 * of one tag with their types (`/api/v2/search/tag/{tag}/values`).
 */
import { quoteIdent, quoteLiteral } from "../../../shared/duckdb/index.ts";
import { TAG_VALUES_CAP, type TagNamesTicket, type TagValuesTicket } from "../../../shared/query/index.ts";
import { INTRINSICS, KIND_CODE, STATUS_CODE } from "../../../shared/query/traceql/index.ts";
import { attributeEntriesSql, attributeKeysSql, scalarTextOf, scalarTypeOf, type AttributeColumn } from "./attribute-sql.ts";
import { bigintSql } from "./traceql-sql.ts";

function timeFilter(ticket: { startNs?: string; endNs?: string }, column: string): string {
  const parts = ["TRUE"];
  if (ticket.startNs !== undefined) parts.push(`${column} >= ${bigintSql(BigInt(ticket.startNs))}`);
  if (ticket.endNs !== undefined) parts.push(`${column} <= ${bigintSql(BigInt(ticket.endNs))}`);
  return parts.join(" AND ");
}

export function tagNamesSql(ticket: TagNamesTicket, view: string): string {
  const scope = ticket.scope ?? "all";
  const where = timeFilter(ticket, "start_time_unix_nano");
  const parts: string[] = [];
  const keysOf = (column: AttributeColumn, label: string) =>
    `SELECT DISTINCT ${quoteLiteral(label)} AS scope, unnest(${attributeKeysSql(column)}) AS name FROM ${quoteIdent(view)} WHERE ${where}`;
  if (scope === "all" || scope === "resource") parts.push(keysOf("resource_attributes", "resource"));
  if (scope === "all" || scope === "span") parts.push(keysOf("attributes", "span"));
  if (scope === "all" || scope === "intrinsic") {
    parts.push(`SELECT 'intrinsic' AS scope, unnest([${INTRINSICS.map(quoteLiteral).join(", ")}]) AS name`);
  }
  return `SELECT DISTINCT scope, name FROM (${parts.join(" UNION ALL ")}) WHERE name IS NOT NULL ORDER BY scope, name`;
}

type TagTarget =
  | { kind: "attribute"; columns: AttributeColumn[]; key: string }
  | { kind: "intrinsic"; name: string };

/** `resource.x`, `span.x`, `.x`, bare `x` (unscoped) or an intrinsic name. */
export function parseTagName(tag: string): TagTarget {
  if (tag.startsWith("resource.")) return { kind: "attribute", columns: ["resource_attributes"], key: tag.slice(9) };
  if (tag.startsWith("span.")) return { kind: "attribute", columns: ["attributes"], key: tag.slice(5) };
  if (tag.startsWith(".")) return { kind: "attribute", columns: ["attributes", "resource_attributes"], key: tag.slice(1) };
  if ((INTRINSICS as readonly string[]).includes(tag)) return { kind: "intrinsic", name: tag };
  return { kind: "attribute", columns: ["attributes", "resource_attributes"], key: tag };
}

export function tagValuesSql(ticket: TagValuesTicket, view: string): string {
  const target = parseTagName(ticket.tag);
  const src = quoteIdent(view);
  const where = timeFilter(ticket, "start_time_unix_nano");
  let inner: string;
  if (target.kind === "intrinsic") {
    inner = intrinsicValuesSql(target.name, src, where);
  } else {
    const key = quoteLiteral(target.key);
    inner = target.columns
      .map(
        (column) =>
          `SELECT ${scalarTypeOf("e.v")} AS type, ${scalarTextOf("e.v")} AS value FROM (` +
          `SELECT json_extract(kv, '$.value') AS v FROM (SELECT unnest(${attributeEntriesSql(column)}) AS kv FROM ${src} WHERE ${where}) ` +
          `WHERE json_extract_string(kv, '$.key') = ${key}) e`,
      )
      .join(" UNION ALL ");
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
