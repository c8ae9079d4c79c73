/**
 * Loki's "detected" endpoints, which the Logs Drilldown app lists labels and fields with:
 * - `GET /loki/api/v1/detected_labels` (`query` optional selector, start/end):
 *   `{ detectedLabels: [{ label, cardinality }] }`;
 * - `GET /loki/api/v1/detected_fields` (`query` a log query, `line_limit` 100, `limit` (or
 *   `field_limit`) 1000, `step`): `{ fields: [{ label, type, cardinality, parsers, jsonPath? }],
 *   limit }` — `parsers` null for structured metadata;
 * - `GET /loki/api/v1/detected_field/{name}/values`: `{ values: [...], limit }`.
 * As in Loki's JSON, empty lists and the limit are left out when nothing was found.
 */
import type { Context, Hono } from "hono";
import { LOKI_META_COLUMNS } from "../../../../shared/query/index.ts";
import { decimalStrings, strings } from "../arrow-values.ts";
import type { RouterEnv } from "../env.ts";
import type { RouteDeps } from "../route-deps.ts";
import { tenantOf } from "../tenancy.ts";
import { lokiBadRequest } from "./errors.ts";
import { lokiCount, requiredQuery } from "./meta-params.ts";
import { rangeBounds, stepParam } from "./params.ts";
import { lokiRoute } from "./query.ts";

/** Loki's defaults: `line_limit` is the query limit's (100), `limit` the detected fields' (1000). */
const DEFAULT_LINE_LIMIT = 100;
const DEFAULT_FIELD_LIMIT = 1000;

export function registerDetectedRoutes(app: Hono<RouterEnv>, deps: RouteDeps): void {
  lokiRoute(app, deps, "/loki/api/v1/detected_labels", async (c, params) => {
      const range = rangeBounds(params);
      const { orgId, bucket } = tenantOf(c);
      const table = await deps.run(
        { kind: "log_detected_labels", org: orgId, bucket, startNs: String(range.startNs), endNs: String(range.endNs), query: params.get("query") ?? "" },
        c.req.raw.signal,
      );
      const label = strings(table, LOKI_META_COLUMNS.label);
      const cardinality = decimalStrings(table, LOKI_META_COLUMNS.cardinality);
      const detectedLabels = Array.from({ length: table.numRows }, (_, i) => ({ label: label(i), cardinality: Number(cardinality(i)) }));
      return c.json({ detectedLabels });
  });
  lokiRoute(app, deps, "/loki/api/v1/detected_fields", (c, params) => detectedFields(c, params, deps, undefined));
  lokiRoute(app, deps, "/loki/api/v1/detected_field/:name/values", (c, params) => detectedFields(c, params, deps, c.req.param("name")));
}

async function detectedFields(c: Context<RouterEnv>, params: URLSearchParams, deps: RouteDeps, name: string | undefined): Promise<Response> {
  const query = requiredQuery(params);
  const range = rangeBounds(params);
  if (range.endNs === range.startNs) throw lokiBadRequest("end timestamp must not be before or equal to start time");
  stepParam(params, range.startNs, range.endNs); // validated as Loki does, though a field list has no steps
  const lineLimit = lokiCount(params, "line_limit", DEFAULT_LINE_LIMIT, deps.maxResultRows);
  const limit = lokiCount(params, params.get("limit") ? "limit" : "field_limit", DEFAULT_FIELD_LIMIT, 100_000);
  if (name !== undefined && (name === "" || name.length > 512)) throw lokiBadRequest("invalid field name");
  const { orgId, bucket } = tenantOf(c);
  const common = { org: orgId, bucket, startNs: String(range.startNs), endNs: String(range.endNs), query, lineLimit, limit };
  const C = LOKI_META_COLUMNS;
  if (name !== undefined) {
    const table = await deps.run({ kind: "log_detected_field_values", ...common, name }, c.req.raw.signal);
    const value = strings(table, C.value);
    const values = Array.from({ length: table.numRows }, (_, i) => value(i));
    return c.json(values.length > 0 ? { values, limit } : {});
  }
  const table = await deps.run({ kind: "log_detected_fields", ...common }, c.req.raw.signal);
  const [label, type, cardinality] = [strings(table, C.label), strings(table, C.type), decimalStrings(table, C.cardinality)];
  const parsers = table.getChild(C.parsers);
  const jsonPath = table.getChild(C.jsonPath);
  const fields = Array.from({ length: table.numRows }, (_, i) => {
    const path = jsonPath?.get(i) as string | null | undefined;
    const parserList = parsers?.get(i) as string | null | undefined;
    return {
      label: label(i),
      type: type(i),
      cardinality: Number(cardinality(i)),
      parsers: parserList ? (JSON.parse(parserList) as string[]) : null,
      ...(path ? { jsonPath: JSON.parse(path) as string[] } : {}),
    };
  });
  return c.json(fields.length > 0 ? { fields, limit } : {});
}
