/**
 * `GET /loki/api/v1/status/buildinfo`: Loki's build information, open like Loki's. Grafana and
 * the Logs Drilldown app read `version` to choose features; 3.5.0 is the Loki whose metadata
 * API Signalbox serves (detected fields with `jsonPath`, detected field values, volume,
 * patterns, structured metadata and `categorize-labels`).
 */
import type { Hono } from "hono";
import type { RouterEnv } from "../env.ts";
import type { BuildInfo } from "../tempo.ts";

export const LOKI_COMPATIBLE_VERSION = "3.5.0";

export function registerLokiStatusRoutes(app: Hono<RouterEnv>, buildInfo: BuildInfo): void {
  app.get("/loki/api/v1/status/buildinfo", (c) => c.json({ ...buildInfo, version: LOKI_COMPATIBLE_VERSION }));
}
