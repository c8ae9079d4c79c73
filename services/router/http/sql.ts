/**
 * `POST /api/v1/sql`: read-only SQL over the caller's own org (the querier enforces both).
 * Body: JSON `{ "sql": "...", "maxRows"?: N }` or the statement as text/plain.
 * Answer: `{ columns: [{ name, type }], rows: [[...], ...], truncated }` where `type` is the
 * Arrow type name (Utf8, Int64, Float64, Timestamp<NANOSECOND> ...) and `truncated` says the
 * rows were cut at the row limit. 64-bit integers are JSON numbers when exact
 * (|v| ≤ 2^53 − 1) and decimal strings otherwise; binary is base64.
 * The body is read up to its limit and no further (413 past it).
 */
import type { Table } from "apache-arrow";
import type { Hono } from "hono";
import { z } from "zod";
import { BodyTooLargeError, readBounded } from "../../../shared/http/index.ts";
import { SQL_TRUNCATED_METADATA } from "../../../shared/query/index.ts";
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
  /** More rows existed than the row limit (`maxRows`, at most query.max_result_rows). */
  truncated: boolean;
}

const HOW_TO_SEND = 'send application/json {"sql": "..."} or the statement as text/plain';

function parseJsonBody(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest(`request body is not valid JSON: ${HOW_TO_SEND}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badRequest(`request body is JSON but not an object: ${HOW_TO_SEND}`);
  }
  return value;
}

async function readSqlBody(request: Request): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  try {
    if (declared > MAX_SQL_BYTES) throw new BodyTooLargeError(MAX_SQL_BYTES);
    return new TextDecoder().decode(await readBounded(request.body, MAX_SQL_BYTES));
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new HttpError(413, err.message);
    throw err;
  }
}

export function registerSqlRoute(app: Hono<RouterEnv>, deps: RouteDeps): void {
  const schema = sqlBody(deps.maxResultRows);
  app.post("/api/v1/sql", deps.guard, async (c) => {
    const text = await readSqlBody(c.req.raw);
    const type = (c.req.header("Content-Type") ?? "").toLowerCase();
    let input: unknown;
    if (type.includes("json")) {
      input = parseJsonBody(text);
    } else if (type === "" || type.startsWith("text/plain")) {
      input = { sql: text };
    } else if (type.startsWith("application/x-www-form-urlencoded")) {
      // `curl -d '{"sql": …}'` sends this type: take a JSON body as JSON, or the form field `sql`.
      const form = new URLSearchParams(text);
      if (text.trimStart().startsWith("{") || !form.has("sql")) input = parseJsonBody(text);
      else input = { sql: form.get("sql") ?? "" };
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
  return { columns, rows, truncated: table.schema.metadata.get(SQL_TRUNCATED_METADATA) === "true" };
}
