/**
 * Tempo trace by id: `GET /api/traces/:id` and `GET /api/v2/traces/:id`, as Tempo ≥ 2.6 answers:
 * - v1 JSON: `{ "batches": [ResourceSpans...] }` (Tempo kept the pre-OTLP key for v1);
 * - v2 JSON: `{ "trace": { "resourceSpans": [...] }, "metrics": {} }` (tempopb.TraceByIDResponse);
 * - `Accept: application/protobuf`: v1 → tempopb.Trace bytes (wire-identical to OTLP
 *   TracesData), v2 → TraceByIDResponse bytes (field 1 = that Trace).
 * An empty result is 404.
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import { encodeTracesProtobuf, tracesToOtlp } from "../../../shared/otlp/index.ts";
import type { RouterEnv } from "./env.ts";
import { badRequest, notFound } from "./errors.ts";
import { checkRange, parseParams, unixSeconds } from "./params.ts";
import { queryParams, wantsProtobuf } from "./request.ts";
import type { RouteDeps } from "./route-deps.ts";
import { tenantOf } from "./tenancy.ts";

const TRACE_ID = /^[0-9a-fA-F]{1,32}$/;

const traceParams = z.object({ start: unixSeconds.optional(), end: unixSeconds.optional() });

/** Tempo accepts short ids and left-pads them with zeros (64-bit Jaeger/Zipkin ids). */
export function normalizeTraceId(id: string): string {
  if (!TRACE_ID.test(id)) throw badRequest(`invalid trace id "${id.slice(0, 64)}": expected 1 to 32 hex digits`);
  return id.toLowerCase().padStart(32, "0");
}

export function registerTraceRoutes(app: Hono<RouterEnv>, deps: RouteDeps): void {
  const fetchTrace = async (c: Context<RouterEnv>, version: 1 | 2) => {
    const traceId = normalizeTraceId(c.req.param("id") ?? "");
    const params = parseParams(traceParams, queryParams(c));
    checkRange(params.start, params.end);
    const { orgId, bucket } = tenantOf(c);
    const table = await deps.run(
      { kind: "trace_by_id", org: orgId, bucket, traceId, startNs: params.start, endNs: params.end },
      c.req.raw.signal,
    );
    if (table.numRows === 0) throw notFound(`trace ${traceId} not found`);
    const doc = tracesToOtlp(table);
    if (wantsProtobuf(c)) {
      const encoded = encodeTracesProtobuf(doc);
      const trace = new Uint8Array(encoded.buffer as ArrayBuffer, encoded.byteOffset, encoded.byteLength);
      return c.body(version === 1 ? trace : wrapTraceByIdResponse(trace), 200, { "Content-Type": "application/protobuf" });
    }
    return version === 1 ? c.json({ batches: doc.resourceSpans }) : c.json({ trace: { resourceSpans: doc.resourceSpans }, metrics: {} });
  };
  app.get("/api/traces/:id", deps.guard, (c) => fetchTrace(c, 1));
  app.get("/api/v2/traces/:id", deps.guard, (c) => fetchTrace(c, 2));
}

/** `TraceByIDResponse { Trace trace = 1; }`: one length-delimited field 1 around the Trace bytes. */
export function wrapTraceByIdResponse(trace: Uint8Array): Uint8Array<ArrayBuffer> {
  const length: number[] = [];
  for (let n = trace.length; ; n >>>= 7) {
    if (n < 0x80) {
      length.push(n);
      break;
    }
    length.push((n & 0x7f) | 0x80);
  }
  const out = new Uint8Array(1 + length.length + trace.length);
  out[0] = 0x0a; // field 1, wire type 2 (length-delimited)
  out.set(length, 1);
  out.set(trace, 1 + length.length);
  return out;
}
