/**
 * The `logql` ticket: the LogQL evaluator (shared/query/logql) run in the querier over the
 * logs source view (log-source.ts), so only the answer — not the raw lines — crosses Flight
 * to the router, as PromQL does. Log results are grouped by their three label sets
 * (LogQLStreamsJson); metric results are Prometheus's `data.result`. Evaluation errors are
 * QueryErrors (400 query, 422 limit, 504 deadline) and travel as the Flight status.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { makeData, RecordBatch, Struct, Table } from "apache-arrow";
import { LOGQL_RESULT_SCHEMA, type LogQLStats, type LogQLStreamsJson, type LogQLTicket } from "../../../../shared/query/index.ts";
import { evaluateLogQL, type LogResultEntry } from "../../../../shared/query/logql/index.ts";
import { labelsKey } from "../../../../shared/series/index.ts";
import { utf8Data } from "../arrow-columns.ts";
import { DuckDBLogSource, type LogSourceScope } from "./log-source.ts";

export async function runLogQLTicket(connection: DuckDBConnection, view: string, ticket: LogQLTicket, maxSamples: number, maxRows: number, scope: LogSourceScope): Promise<Table> {
  const started = performance.now();
  const source = new DuckDBLogSource(connection, view, { maxEntries: maxSamples, scope });
  const result = await evaluateLogQL(source, ticket.query, {
    startNs: BigInt(ticket.evalStartNs),
    endNs: BigInt(ticket.evalEndNs),
    ...(ticket.stepNs !== undefined ? { stepNs: BigInt(ticket.stepNs) } : {}),
    limit: Math.min(ticket.limit, maxRows),
    direction: ticket.direction,
    maxSamples,
    signal: AbortSignal.timeout(ticket.timeoutMs),
  });
  const stats: LogQLStats = { linesProcessed: source.linesRead, bytesProcessed: source.bytesRead, execTimeSeconds: (performance.now() - started) / 1000 };
  const body = result.resultType === "streams" ? JSON.stringify(groupEntries(result.entries)) : JSON.stringify(result.result);
  return row(result.resultType, body, JSON.stringify(stats));
}

/** Entries grouped by their (stream, metadata, parsed) label sets, each group in the entries' order. */
export function groupEntries(entries: readonly LogResultEntry[]): LogQLStreamsJson {
  const groups = new Map<string, LogQLStreamsJson[number]>();
  for (const e of entries) {
    const key = `${labelsKey(e.stream)}\u0001${labelsKey(e.structuredMetadata)}\u0001${labelsKey(e.parsed)}`;
    let group = groups.get(key);
    if (!group) {
      group = { stream: { ...e.stream }, structuredMetadata: { ...e.structuredMetadata }, parsed: { ...e.parsed }, values: [] };
      groups.set(key, group);
    }
    group.values.push([e.timestampNs.toString(), e.line]);
  }
  return [...groups.values()];
}

function row(resultType: string, result: string, stats: string): Table {
  const schema = LOGQL_RESULT_SCHEMA;
  const children = [resultType, result, stats].map((v) => utf8Data([v]));
  return new Table([new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 1, nullCount: 0, children }))]);
}
