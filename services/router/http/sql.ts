/**
 * `POST /api/v1/sql`: read-only SQL over the caller's own org (the querier enforces both).
 * Body: JSON `{ "sql": "...", "maxRows"?: N }` or the statement as text/plain.
 * Answer: `{ columns: [{ name, type }], rows: [[...], ...] }` where `type` is the Arrow type
 * name (Utf8, Int64, Float64, Timestamp<NANOSECOND> ...). 64-bit integers are JSON numbers
 * when exact (|v| ≤ 2^53 − 1) and decimal strings otherwise; binary is base64.
 */
import type { Table } from "apache-arrow";
import type { Hono } from "hono";
import { z } from "zod";
import { jsonValue } from "./arrow-values.ts";
import type { RouterEnv } from "./env.ts";
import { HttpError, badRequest } from "./errors.ts";
import { parseParams } from "./params.ts";
import type { RouteDeps } from "./route-deps.ts";
import { tenantOf } from "./tenancy.ts";

export const MAX_SQL_BYTES = 1024 * 1024;

function sqlBody(maxRows: number) {
  return z.object({
    sql: z.string({ error: "expected a string" }).trim().min(1, { error: "must not be empty" }),
    maxRows: z
      .number({ error: "expected a whole number" })
      .int({ error: "expected a whole number" })
      .min(1, { error: "must be at least 1" })
      .max(maxRows, { error: `must be at most ${maxRows} (query.max_result_rows)` })
      .default(maxRows),
  });
}

export interface SqlResponse {
  columns: Array<{ name: string; type: string }>;
  rows: unknown[][];
}

function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("request body is not valid JSON");
  }
}

export function registerSqlRoute(app: Hono<RouterEnv>, deps: RouteDeps): void {
  const schema = sqlBody(deps.maxResultRows);
  app.post("/api/v1/sql", deps.guard, async (c) => {
    const text = await c.req.text();
    if (Buffer.byteLength(text) > MAX_SQL_BYTES) throw new HttpError(413, `request body larger than ${MAX_SQL_BYTES} bytes`);
    const type = (c.req.header("Content-Type") ?? "").toLowerCase();
    let input: unknown;
    if (type.includes("json")) {
      input = parseJsonBody(text);
    } else if (type === "" || type.startsWith("text/plain")) {
      input = { sql: text };
    } else if (type.startsWith("application/x-www-form-urlencoded")) {
      // `curl -d '{"sql": …}'` sends this type: take a JSON body as JSON, or the form field `sql`.
      input = text.trimStart().startsWith("{") ? parseJsonBody(text) : { sql: new URLSearchParams(text).get("sql") ?? "" };
    } else {
      throw new HttpError(415, `unsupported Content-Type "${type}": send application/json {"sql": "..."} or text/plain`);
    }
    const body = parseParams(schema, input);
    const { orgId, bucket } = tenantOf(c);
    const table = await deps.run({ kind: "sql", org: orgId, bucket, sql: body.sql, maxRows: body.maxRows }, c.req.raw.signal);
    return c.json(sqlResponse(table));
  });
}

export function sqlResponse(table: Table): SqlResponse {
  const fields = table.schema.fields;
  const columns = fields.map((f) => ({ name: f.name, type: String(f.type) }));
  const vectors = fields.map((_, i) => table.getChildAt(i)!);
  const rows: unknown[][] = [];
  for (let r = 0; r < table.numRows; r++) rows.push(vectors.map((v) => jsonValue(v.get(r))));
  return { columns, rows };
}
