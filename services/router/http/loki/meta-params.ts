/**
 * Parameters only Loki's metadata endpoints take (the shared ones — times, step — are in
 * params.ts): counts such as `limit` and `line_limit`, and a required `query`.
 */
import { lokiBadRequest } from "./errors.ts";

/** A positive whole-number parameter (`limit`, `line_limit`); absent or empty: `fallback`. */
export function lokiCount(params: URLSearchParams, name: string, fallback: number, max: number): number {
  const text = params.get(name);
  if (text === null || text === "") return fallback;
  if (!/^-?\d{1,10}$/.test(text)) throw lokiBadRequest(`strconv.Atoi: parsing "${text.slice(0, 64)}": invalid syntax`);
  const n = Number(text);
  if (n <= 0) throw lokiBadRequest(`${name} must be a positive value`);
  if (n > max) throw lokiBadRequest(`${name} must be at most ${max}, got ${n}`);
  return n;
}

/** The `query` parameter, required. */
export function requiredQuery(params: URLSearchParams): string {
  const query = params.get("query");
  if (query === null || query.trim() === "") throw lokiBadRequest("query is required: a LogQL stream selector such as {service_name=\"checkout\"}");
  return query;
}
