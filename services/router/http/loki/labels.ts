/**
 * Loki's label endpoints, which Grafana's label browser and query builder call:
 * - `GET|POST /loki/api/v1/labels` (alias `/label`): `{ status: "success", data: [names] }`;
 * - `GET|POST /loki/api/v1/label/{name}/values`: `{ status: "success", data: [values] }`.
 * `query=` (a stream selector) narrows both to the streams it matches, as Loki's
 * `ParseLabelQuery`; start/end/since as everywhere, the window 6 h by default (Loki's docs).
 */
import type { Context, Hono } from "hono";
import type { Table } from "apache-arrow";
import { LOG_LABEL_COLUMNS, LOG_LABEL_VALUE_COLUMNS } from "../../../../shared/query/index.ts";
import { strings } from "../arrow-values.ts";
import type { RouterEnv } from "../env.ts";
import type { RouteDeps } from "../route-deps.ts";
import { tenantOf } from "../tenancy.ts";
import { lokiBadRequest } from "./errors.ts";
import { rangeBounds } from "./params.ts";
import { lokiRoute } from "./query.ts";

const LABELS_DEFAULT_SINCE_NS = 6n * 3_600_000_000_000n;

export function registerLabelRoutes(app: Hono<RouterEnv>, deps: RouteDeps): void {
  const labels = async (c: Context<RouterEnv>, params: URLSearchParams) => {
    const range = rangeBounds(params, LABELS_DEFAULT_SINCE_NS);
    const { orgId, bucket } = tenantOf(c);
    const query = params.get("query") || undefined;
    const table = await deps.run({ kind: "log_labels", org: orgId, bucket, startNs: String(range.startNs), endNs: String(range.endNs), query }, c.req.raw.signal);
    return c.json({ status: "success", data: column(table, LOG_LABEL_COLUMNS.name) });
  };
  const values = async (c: Context<RouterEnv>, params: URLSearchParams) => {
    const name = c.req.param("name") ?? "";
    if (name === "" || name.length > 512) throw lokiBadRequest("invalid label name");
    if (name.includes("\u0000")) throw lokiBadRequest("invalid label name: it contains a NUL byte");
    const range = rangeBounds(params, LABELS_DEFAULT_SINCE_NS);
    const { orgId, bucket } = tenantOf(c);
    const query = params.get("query") || undefined;
    const table = await deps.run(
      { kind: "log_label_values", org: orgId, bucket, startNs: String(range.startNs), endNs: String(range.endNs), name, query },
      c.req.raw.signal,
    );
    return c.json({ status: "success", data: column(table, LOG_LABEL_VALUE_COLUMNS.value) });
  };
  lokiRoute(app, deps, "/loki/api/v1/labels", labels);
  lokiRoute(app, deps, "/loki/api/v1/label", labels);
  lokiRoute(app, deps, "/loki/api/v1/label/:name/values", values);
}

/** Distinct and sorted, whatever order the backend answered in. */
function column(table: Table, name: string): string[] {
  const get = strings(table, name);
  return [...new Set(Array.from({ length: table.numRows }, (_, i) => get(i)))].sort();
}
