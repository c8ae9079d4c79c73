/**
 * Loki's index endpoints:
 * - `GET|POST /loki/api/v1/index/stats` (`query`, start/end): `{ streams, chunks, bytes,
 *   entries }` of the streams the query's selectors match (Grafana sizes queries with it);
 * - `GET|POST /loki/api/v1/index/volume` and `/index/volume_range` (`query`, `targetLabels`
 *   comma-separated, `aggregateBy` series|labels, `limit` 100, range `step`): bytes per group,
 *   as Prometheus vector / matrix data the way Loki's frontend answers them
 *   (`ToPrometheusResponse`): a series' metric is its group's labels (aggregateBy=labels:
 *   `{ <label>: "" }`), sorted by value then name, a vector unless some group has several
 *   samples; timestamps are seconds.
 */
import type { Context, Hono } from "hono";
import type { Table } from "apache-arrow";
import { LOKI_META_COLUMNS } from "../../../../shared/query/index.ts";
import { decimalStrings, requireColumn, strings } from "../arrow-values.ts";
import type { RouterEnv } from "../env.ts";
import type { RouteDeps } from "../route-deps.ts";
import { tenantOf } from "../tenancy.ts";
import { lokiBadRequest } from "./errors.ts";
import { lokiCount, requiredQuery } from "./meta-params.ts";
import { rangeBounds, stepParam } from "./params.ts";
import { lokiRoute } from "./query.ts";
import { parseLabelSet } from "./series.ts";

const VOLUME_DEFAULT_LIMIT = 100;

export function registerIndexRoutes(app: Hono<RouterEnv>, deps: RouteDeps): void {
  lokiRoute(app, deps, "/loki/api/v1/index/stats", async (c, params) => {
      const query = requiredQuery(params);
      const range = rangeBounds(params);
      const { orgId, bucket } = tenantOf(c);
      const table = await deps.run({ kind: "log_index_stats", org: orgId, bucket, startNs: String(range.startNs), endNs: String(range.endNs), query }, c.req.raw.signal);
      const count = (name: string) => (table.numRows > 0 ? Number(decimalStrings(table, name)(0)) : 0);
      const C = LOKI_META_COLUMNS;
      return c.json({ streams: count(C.streams), chunks: count(C.chunks), bytes: count(C.bytes), entries: count(C.entries) });
  });
  lokiRoute(app, deps, "/loki/api/v1/index/volume", (c, params) => volume(c, params, deps, false));
  lokiRoute(app, deps, "/loki/api/v1/index/volume_range", (c, params) => volume(c, params, deps, true));
}

async function volume(c: Context<RouterEnv>, params: URLSearchParams, deps: RouteDeps, ranged: boolean): Promise<Response> {
  const query = requiredQuery(params);
  const range = rangeBounds(params);
  // Loki's volumeLimit: 0 means the default.
  const limit = params.get("limit") === "0" ? VOLUME_DEFAULT_LIMIT : lokiCount(params, "limit", VOLUME_DEFAULT_LIMIT, 100_000);
  const aggregateBy = params.get("aggregateBy") || "series";
  if (aggregateBy !== "series" && aggregateBy !== "labels") throw lokiBadRequest("invalid aggregation option");
  const targetLabels = (params.get("targetLabels") ?? "").split(",").filter((l) => l !== "");
  const stepNs = ranged ? stepParam(params, range.startNs, range.endNs) : undefined;
  const { orgId, bucket } = tenantOf(c);
  const table = await deps.run(
    {
      kind: "log_volume", org: orgId, bucket, startNs: String(range.startNs), endNs: String(range.endNs), query,
      targetLabels, aggregateBy, limit, stepNs: stepNs === undefined ? undefined : String(stepNs),
    },
    c.req.raw.signal,
  );
  return c.json({ status: "success", data: volumeData(table, aggregateBy === "series") });
}

type Sample = [number, string];

function volumeData(table: Table, bySeries: boolean): { resultType: "vector" | "matrix"; result: unknown[] } {
  const C = LOKI_META_COLUMNS;
  const name = strings(table, C.name);
  const time = decimalStrings(table, C.timeUnixNano);
  const volume = decimalStrings(table, C.volume);
  requireColumn(table, C.volume);
  const series = new Map<string, Sample[]>();
  for (let i = 0; i < table.numRows; i++) {
    let samples = series.get(name(i));
    if (!samples) series.set(name(i), (samples = []));
    // Loki's sample timestamps are milliseconds, written as seconds.
    samples.push([Number(BigInt(time(i)) / 1_000_000n) / 1000, volume(i)]);
  }
  const ordered = [...series].map(([key, samples]) => ({ key, samples: samples.sort((a, b) => a[0] - b[0]) }));
  ordered.sort((a, b) => Number(b.samples[0]![1]) - Number(a.samples[0]![1]) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const metric = (key: string) => (bySeries ? parseLabelSet(key) : { [key]: "" });
  const matrix = ordered.some((s) => s.samples.length > 1);
  return matrix
    ? { resultType: "matrix", result: ordered.map((s) => ({ metric: metric(s.key), values: s.samples })) }
    : { resultType: "vector", result: ordered.map((s) => ({ metric: metric(s.key), value: s.samples[0] })) };
}
