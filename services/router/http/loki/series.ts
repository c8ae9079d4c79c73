/**
 * `GET|POST /loki/api/v1/series` (Loki's `ParseSeriesQuery`): `match[]` (or `match`),
 * repeated, each a stream selector; none, or a lone `{}`, selects every stream; start/end/since
 * as everywhere. Answer: `{ status: "success", data: [{ label: value, … }, …] }`.
 */
import type { Hono } from "hono";
import { LOKI_META_COLUMNS } from "../../../../shared/query/index.ts";
import { strings } from "../arrow-values.ts";
import type { RouterEnv } from "../env.ts";
import { HttpError } from "../errors.ts";
import type { RouteDeps } from "../route-deps.ts";
import { tenantOf } from "../tenancy.ts";
import { rangeBounds } from "./params.ts";
import { lokiRoute } from "./query.ts";

export function registerSeriesRoute(app: Hono<RouterEnv>, deps: RouteDeps): void {
  lokiRoute(app, deps, "/loki/api/v1/series", async (c, params) => {
      const range = rangeBounds(params);
      const selectors = [...new Set([...params.getAll("match[]"), ...params.getAll("match")])].filter((s) => s.trim() !== "").sort();
      const { orgId, bucket } = tenantOf(c);
      const table = await deps.run(
        { kind: "log_series", org: orgId, bucket, startNs: String(range.startNs), endNs: String(range.endNs), selectors },
        c.req.raw.signal,
      );
      deps.limits.checkSeries(orgId, table.numRows, "log streams");
      const labels = strings(table, LOKI_META_COLUMNS.labels);
      const data: Record<string, string>[] = [];
      for (let i = 0; i < table.numRows; i++) data.push(parseLabelSet(labels(i)));
      return c.json({ status: "success", data });
  });
}

/** A label set the querier sent as a JSON object. */
export function parseLabelSet(text: string): Record<string, string> {
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Record<string, string>;
  } catch {
    // fall through
  }
  throw new HttpError(502, "query backend returned a label set that is not a JSON object");
}
