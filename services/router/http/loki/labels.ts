/**
 * Loki's label endpoints:
 * - `GET /loki/api/v1/labels` (alias `/label`) and `GET /loki/api/v1/label/:name/values`
 *   → `{ status: "success", data: [...] }`.
 * Times: unix ns, unix seconds (int or decimal) or RFC3339. Defaults as Loki's: the last
 * 6 hours (or `since`). Errors are JSON `{ error, status }`.
 */
import type { Table } from "apache-arrow";
import type { Context, Hono } from "hono";
import { z } from "zod";
import { durationNs, GO_DURATION, PROMETHEUS_DURATION } from "../../../../shared/duration/index.ts";
import { LOG_LABEL_COLUMNS, LOG_LABEL_VALUE_COLUMNS } from "../../../../shared/query/index.ts";
import { strings } from "../arrow-values.ts";
import type { RouterEnv } from "../env.ts";
import { badRequest } from "../errors.ts";
import { lokiTime, parseParams } from "../params.ts";
import { queryParams } from "../request.ts";
import type { RouteDeps } from "../route-deps.ts";
import { tenantOf } from "../tenancy.ts";
import { nowNs } from "../time-params.ts";

const LABELS_DEFAULT_SINCE_NS = 6n * 3_600_000_000_000n; // 6h

const since = z.string().transform((s, ctx) => {
  // Loki reads `since` as a Prometheus duration and, failing that, a Go one ("1.5h").
  const ns = durationNs(s, PROMETHEUS_DURATION) ?? durationNs(s, GO_DURATION);
  if (ns === undefined) {
    ctx.addIssue({ code: "custom", message: `expected a duration such as "1h" or "30m", got "${s.slice(0, 40)}"` });
    return z.NEVER;
  }
  return ns;
});

const rangeFields = { start: lokiTime.optional(), end: lokiTime.optional(), since: since.optional() };

const labelParams = z.object(rangeFields);

/** Loki's defaulting: end = now, start = end − since. Returned as ns decimal strings. */
function timeRange(p: { start?: bigint; end?: bigint; since?: bigint }, defaultSince: bigint): { startNs: string; endNs: string } {
  const end = p.end ?? nowNs();
  const start = p.start ?? end - (p.since ?? defaultSince);
  if (start > end) throw badRequest("invalid time range: start must not be after end");
  return { startNs: start.toString(), endNs: end.toString() };
}

export function registerLabelRoutes(app: Hono<RouterEnv>, deps: RouteDeps): void {
  const labels = async (c: Context<RouterEnv>) => {
    const p = parseParams(labelParams, queryParams(c));
    const { orgId, bucket } = tenantOf(c);
    const table = await deps.run({ kind: "log_labels", org: orgId, bucket, ...timeRange(p, LABELS_DEFAULT_SINCE_NS) }, c.req.raw.signal);
    return c.json({ status: "success", data: distinctColumn(table, LOG_LABEL_COLUMNS.name) });
  };
  app.get("/loki/api/v1/labels", deps.guard, labels);
  app.get("/loki/api/v1/label", deps.guard, labels);

  app.get("/loki/api/v1/label/:name/values", deps.guard, async (c) => {
    const name = c.req.param("name") ?? "";
    if (name === "" || name.length > 512) throw badRequest("invalid label name");
    const p = parseParams(labelParams, queryParams(c));
    const { orgId, bucket } = tenantOf(c);
    const table = await deps.run(
      { kind: "log_label_values", org: orgId, bucket, ...timeRange(p, LABELS_DEFAULT_SINCE_NS), name },
      c.req.raw.signal,
    );
    return c.json({ status: "success", data: distinctColumn(table, LOG_LABEL_VALUE_COLUMNS.value) });
  });
}

function distinctColumn(table: Table, name: string): string[] {
  const get = strings(table, name);
  const out = new Set<string>();
  for (let i = 0; i < table.numRows; i++) out.add(get(i));
  return [...out].sort();
}
