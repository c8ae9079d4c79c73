/**
 * `/detected_fields` and `/detected_field/{name}/values` in the querier: the log query runs on
 * the LogQL evaluator over the Loki log source (newest `lineLimit` entries, as Loki's frontend
 * asks its queriers), and the field detection of shared/query/logql reads the entries.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Table } from "apache-arrow";
import { LOKI_META_RESULT_SCHEMAS, type LogDetectedFieldsTicket, type LogDetectedFieldValuesTicket } from "../../../../shared/query/index.ts";
import { detectedFieldValues, detectFields } from "../../../../shared/query/logql/index.ts";
import { int64Data, tableOf, utf8Data } from "../arrow-columns.ts";
import { logQueryEntries } from "./log-query-entries.ts";
import type { LogSourceOptions } from "./log-source.ts";

export async function logDetectedFields(connection: DuckDBConnection, view: string, ticket: LogDetectedFieldsTicket, source: LogSourceOptions): Promise<Table> {
  const fields = detectFields(await logQueryEntries(connection, view, ticket, ticket.lineLimit, source), ticket.limit);
  return tableOf(LOKI_META_RESULT_SCHEMAS.log_detected_fields, [
    utf8Data(fields.map((f) => f.label)),
    utf8Data(fields.map((f) => f.type)),
    int64Data(fields.map((f) => f.cardinality)),
    utf8Data(fields.map((f) => (f.parsers ? JSON.stringify(f.parsers) : null))),
    utf8Data(fields.map((f) => (f.jsonPath ? JSON.stringify(f.jsonPath) : null))),
  ]);
}

export async function logDetectedFieldValues(connection: DuckDBConnection, view: string, ticket: LogDetectedFieldValuesTicket, source: LogSourceOptions): Promise<Table> {
  const values = detectedFieldValues(await logQueryEntries(connection, view, ticket, ticket.lineLimit, source), ticket.name, ticket.limit);
  return tableOf(LOKI_META_RESULT_SCHEMAS.log_detected_field_values, [utf8Data(values)]);
}
