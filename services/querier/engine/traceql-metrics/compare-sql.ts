/**
 * compare(): every attribute value of every matched span counted per interval, split into
 * the selection (spans matching compare's filter, within its optional time range) and the
 * baseline (the others). Attributes as Tempo lists them for a span: the intrinsics name,
 * status, kind, statusMessage (when set), rootServiceName and rootName, and each span and
 * resource attribute with a scalar value.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { quoteLiteral } from "../../../../shared/duckdb/index.ts";
import type { traceqlMetrics } from "../../../../shared/query/index.ts";
import { attributeEntriesSql, type AttributeColumn } from "../attribute-sql.ts";
import { typedValueSql } from "../dedicated-sql.ts";
import { bigintSql, filterSql } from "../traceql-sql.ts";
import { TRACE_COLUMNS, typedSql, typedValueOf } from "./span-values.ts";

const SCOPES: Record<AttributeColumn, string> = { attributes: "span.", resource_attributes: "resource." };

export async function compareRows(
  connection: DuckDBConnection, spans: string, query: traceqlMetrics.MetricsQuery, window: traceqlMetrics.MetricsWindow,
): Promise<{ rows: traceqlMetrics.CompareRow[]; spans: number }> {
  const compare = query.stage.compare!;
  let selection = `coalesce(${filterSql(compare.filter.expr, [], { rootServiceName: null, rootName: null, relaxed: false })}, FALSE)`;
  if (compare.startNs !== undefined && compare.endNs !== undefined) {
    selection = `(start_time_unix_nano > ${bigintSql(compare.startNs)} AND start_time_unix_nano <= ${bigintSql(compare.endNs)} AND ${selection})`;
  }
  const interval = window.instant
    ? "0"
    : `((start_time_unix_nano - CAST(${window.startNs} AS BIGINT) - 1) // CAST(${window.stepNs} AS BIGINT))::INTEGER`;
  const intrinsic = (name: "name" | "status" | "kind" | "statusMessage" | "rootServiceName" | "rootName") =>
    `SELECT _sel, _i, '${name}' AS _a, ${typedSql({ type: "intrinsic", name, label: name, pos: 0 })} AS _v FROM m`;
  const entries = (column: AttributeColumn) =>
    `SELECT _sel, _i, ${quoteLiteral(SCOPES[column])} || json_extract_string(_e, '$.key') AS _a, NULLIF(${typedValueSql("json_extract(_e, '$.value')")}, 'x') AS _v
     FROM (SELECT _sel, _i, unnest(${attributeEntriesSql(column)}) AS _e FROM m)`;
  const sql = `
WITH m AS (
  SELECT ${selection} AS _sel, ${interval} AS _i, name, status_code, kind, NULLIF(status_message, '') AS status_message, service_name,
         attributes, resource_attributes, ${TRACE_COLUMNS.rootServiceName}, ${TRACE_COLUMNS.rootName}
  FROM ${spans}
)
SELECT _sel, _a, _v, _i, count(*)::DOUBLE FROM (
  ${["name", "status", "kind", "statusMessage", "rootServiceName", "rootName"].map((n) => intrinsic(n as Parameters<typeof intrinsic>[0])).join(" UNION ALL ")}
  UNION ALL ${entries("attributes")} UNION ALL ${entries("resource_attributes")}
) WHERE _v IS NOT NULL GROUP BY ALL`;
  const reader = await connection.runAndReadAll(sql);
  const rows = reader.getRows().map((r) => ({
    selection: r[0] as boolean,
    attribute: r[1] as string,
    value: typedValueOf(r[2] as string),
    interval: r[3] as number,
    count: r[4] as number,
  }));
  const spansSeen = rows.filter((r) => r.attribute === "name").reduce((n, r) => n + r.count, 0);
  return { rows, spans: spansSeen };
}
