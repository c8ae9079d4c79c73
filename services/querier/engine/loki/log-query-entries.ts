/**
 * The newest entries of a log query, for the endpoints that inspect lines (detected fields,
 * patterns): the query runs on the LogQL evaluator over the Loki log source, backward, cut at
 * `lineLimit`, as Loki's frontend asks its queriers for them.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { QueryError } from "../../../../shared/query/index.ts";
import { evaluateLogQL, parseLogQL, type LogResultEntry } from "../../../../shared/query/logql/index.ts";
import { DuckDBLogSource, type LogSourceOptions } from "./log-source.ts";

export async function logQueryEntries(
  connection: DuckDBConnection,
  view: string,
  ticket: { query: string; startNs?: string; endNs?: string },
  lineLimit: number,
  options: LogSourceOptions,
): Promise<LogResultEntry[]> {
  const expr = parseLogQL(ticket.query);
  if (expr.kind !== "log") throw QueryError.invalid("this endpoint needs a log query (a stream selector and pipeline), not a metric query");
  if (ticket.startNs === undefined || ticket.endNs === undefined) throw QueryError.invalid("startNs and endNs are required");
  const source = new DuckDBLogSource(connection, view, options);
  const result = await evaluateLogQL(source, expr, { startNs: BigInt(ticket.startNs), endNs: BigInt(ticket.endNs), limit: lineLimit, direction: "backward" });
  if (result.resultType !== "streams") throw new QueryError("INTERNAL", "a log query answered a metric result");
  return result.entries;
}
