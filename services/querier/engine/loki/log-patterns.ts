/**
 * `/patterns`: the log patterns of a query's newest `lineLimit` lines, found by Drain
 * clustering (drain.ts) per detected level as Loki's pattern ingester does, each with its
 * number of lines per `step` bucket. Loki's ingester sees every line as it arrives; here the
 * lines are read at query time, so the counts cover the lines read (at most `lineLimit`).
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Table } from "apache-arrow";
import { LOKI_META_RESULT_SCHEMAS, type LogPatternsTicket } from "../../../../shared/query/index.ts";
import { tableOf, utf8Data } from "../arrow-columns.ts";
import { Drain, type DrainCluster } from "./drain.ts";
import { logQueryEntries } from "./log-query-entries.ts";
import type { LogSourceOptions } from "./log-source.ts";

const SECOND_NS = 1_000_000_000n;

export async function logPatterns(connection: DuckDBConnection, view: string, ticket: LogPatternsTicket, source: LogSourceOptions): Promise<Table> {
  const entries = await logQueryEntries(connection, view, ticket, ticket.lineLimit, source);
  const stepNs = BigInt(ticket.stepNs);
  const drains = new Map<string, Drain>();
  const counts = new Map<DrainCluster, Map<bigint, number>>();
  // Oldest first, as the ingester would have seen them.
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i]!;
    const level = entry.structuredMetadata.detected_level ?? "unknown";
    let drain = drains.get(level);
    if (!drain) drains.set(level, (drain = new Drain()));
    const cluster = drain.train(entry.line);
    if (!cluster) continue;
    let buckets = counts.get(cluster);
    if (!buckets) counts.set(cluster, (buckets = new Map()));
    const bucket = (entry.timestampNs / stepNs) * stepNs;
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
  }
  const rows: Array<{ pattern: string; level: string; samples: Array<[number, number]>; total: number }> = [];
  for (const [level, drain] of drains) {
    for (const cluster of drain.clusters) {
      const buckets = counts.get(cluster);
      if (!buckets) continue;
      const samples = [...buckets].sort(([a], [b]) => (a < b ? -1 : 1)).map(([t, n]): [number, number] => [Number(t / SECOND_NS), n]);
      rows.push({ pattern: drain.pattern(cluster), level, samples, total: cluster.size });
    }
  }
  rows.sort((a, b) => b.total - a.total || (a.pattern < b.pattern ? -1 : 1));
  return tableOf(LOKI_META_RESULT_SCHEMAS.log_patterns, [
    utf8Data(rows.map((r) => r.pattern)),
    utf8Data(rows.map((r) => r.level)),
    utf8Data(rows.map((r) => JSON.stringify(r.samples))),
  ]);
}
