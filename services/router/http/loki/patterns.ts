/**
 * `GET|POST /loki/api/v1/patterns` (`query`, start/end, `step`): the log patterns the querier
 * finds by Drain clustering (services/querier/engine/drain.ts), as Loki answers them:
 * `{ status: "success", data: [{ pattern, level, samples: [[unix_seconds, count], …] }] }`,
 * most frequent first.
 */
import type { Hono } from "hono";
import { LOKI_META_COLUMNS } from "../../../../shared/query/index.ts";
import { strings } from "../arrow-values.ts";
import type { RouterEnv } from "../env.ts";
import { HttpError } from "../errors.ts";
import type { RouteDeps } from "../route-deps.ts";
import { tenantOf } from "../tenancy.ts";
import { requiredQuery } from "./meta-params.ts";
import { rangeBounds, stepParam } from "./params.ts";
import { lokiRoute } from "./query.ts";

export function registerPatternsRoute(app: Hono<RouterEnv>, deps: RouteDeps): void {
  lokiRoute(app, deps, "/loki/api/v1/patterns", async (c, params) => {
    const query = requiredQuery(params);
    const range = rangeBounds(params);
    const stepNs = stepParam(params, range.startNs, range.endNs);
    const { orgId, bucket } = tenantOf(c);
    const table = await deps.run(
      { kind: "log_patterns", org: orgId, bucket, startNs: String(range.startNs), endNs: String(range.endNs), query, stepNs: String(stepNs) },
      c.req.raw.signal,
    );
    const C = LOKI_META_COLUMNS;
    const [pattern, level, samples] = [strings(table, C.pattern), strings(table, C.level), strings(table, C.samples)];
    const data = Array.from({ length: table.numRows }, (_, i) => ({ pattern: pattern(i), level: level(i), samples: parseSamples(samples(i)) }));
    return c.json({ status: "success", data });
  });
}

function parseSamples(text: string): Array<[number, number]> {
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value)) return value as Array<[number, number]>;
  } catch {
    // fall through
  }
  throw new HttpError(502, "query backend returned pattern samples that are not a JSON array");
}
