/**
 * Dispatch of Loki's metadata tickets (label endpoints, series, index stats and volume,
 * detected labels and fields, patterns) to their answers.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Table } from "apache-arrow";
import type { LogLabelsTicket, LogLabelValuesTicket, LokiMetaTicket } from "../../../../shared/query/index.ts";
import { logDetectedFieldValues, logDetectedFields } from "./log-detected-fields.ts";
import { logPatterns } from "./log-patterns.ts";
import type { LogSourceOptions } from "./log-source.ts";
import { logDetectedLabels, logIndexStats, logLabels, logLabelValues, logSeries, logVolume } from "./log-metadata.ts";

export type LokiMetaEngineTicket = LokiMetaTicket | LogLabelsTicket | LogLabelValuesTicket;

/** `source`: how tickets that read entries read them (their bound: `query.max_samples`). */
export async function runLokiMetaTicket(connection: DuckDBConnection, view: string, ticket: LokiMetaEngineTicket, maxRows: number, source: LogSourceOptions): Promise<Table> {
  switch (ticket.kind) {
    case "log_labels":
      return logLabels(connection, view, ticket, maxRows);
    case "log_label_values":
      return logLabelValues(connection, view, ticket, maxRows);
    case "log_series":
      return logSeries(connection, view, ticket, maxRows);
    case "log_index_stats":
      return logIndexStats(connection, view, ticket);
    case "log_volume":
      return logVolume(connection, view, ticket);
    case "log_detected_labels":
      return logDetectedLabels(connection, view, ticket);
    case "log_detected_fields":
      return logDetectedFields(connection, view, ticket, source);
    case "log_detected_field_values":
      return logDetectedFieldValues(connection, view, ticket, source);
    case "log_patterns":
      return logPatterns(connection, view, ticket, source);
  }
}
