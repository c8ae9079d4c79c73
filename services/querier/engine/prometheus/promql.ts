/**
 * The `promql` ticket: the PromQL evaluator (shared/query/promql) run in the querier over the
 * metrics source view, so only the answer — not the raw samples — crosses Flight to the
 * router. Evaluation errors (bad_data, execution, timeout) come back as a result row carrying
 * their class; anything else is the engine's failure.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { makeData, RecordBatch, Struct, Table } from "apache-arrow";
import { PROMETHEUS_RESULT_SCHEMAS, type PromQLTicket } from "../../../../shared/query/index.ts";
import { evaluateInstant, evaluateRange, PromQLError, type QueryData } from "../../../../shared/query/promql/index.ts";
import { utf8Data } from "../arrow-columns.ts";
import { DuckDBMetricsSource, type MetricsSources } from "./metrics-source.ts";

export async function runPromQL(connection: DuckDBConnection, view: string, ticket: PromQLTicket, maxSamples: number, sources?: MetricsSources): Promise<Table> {
  const source = new DuckDBMetricsSource(connection, view, { maxSamples, ...(ticket.maxSeries ? { maxSeries: ticket.maxSeries } : {}), ...(sources ? { sources } : {}) });
  const options = { maxSamples, signal: AbortSignal.timeout(ticket.timeoutMs), lookbackDeltaMs: ticket.lookbackDeltaMs };
  try {
    const data: QueryData = ticket.range
      ? await evaluateRange(source, ticket.query, ticket.range.startMs, ticket.range.endMs, ticket.range.stepMs, options)
      : await evaluateInstant(source, ticket.query, ticket.timeMs!, options);
    return row(data.resultType, JSON.stringify(data.result), "", "");
  } catch (err) {
    if (err instanceof PromQLError) return row("", "", err.errorType, err.message);
    throw err;
  }
}

function row(resultType: string, result: string, errorType: string, error: string): Table {
  const schema = PROMETHEUS_RESULT_SCHEMAS.promql;
  const children = [resultType, result, errorType, error].map((v) => utf8Data([v]));
  return new Table([new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 1, nullCount: 0, children }))]);
}
