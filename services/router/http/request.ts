/** Small readers of the incoming request shared by the route modules. */
import type { Context } from "hono";

/**
 * URL parameters with empty values dropped: `start=` means "not given" to Tempo and Loki,
 * and Grafana sends such parameters.
 */
export function queryParams(c: Context): Record<string, string> {
  return withoutEmpty(c.req.query());
}

export function withoutEmpty(input: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(input)) if (typeof v === "string" && v !== "") out[k] = v;
  return out;
}

/** Does the client ask for protobuf (Tempo: `Accept: application/protobuf`)? */
export function wantsProtobuf(c: Context): boolean {
  return (c.req.header("Accept") ?? "").toLowerCase().includes("application/protobuf");
}
