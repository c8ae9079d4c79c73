/**
 * The handlers of Tempo's `tempopb.StreamingQuerier` (Grafana's Tempo data source with
 * streaming on): `Search` streams progressive answers (search-stream.ts); the metrics calls
 * answer one message, the `/api/metrics/query_range` / `/api/metrics/query` response
 * (../http/tempo-metrics.ts `metricsQueryRange` / `metricsQueryInstant`) of the same
 * parameters. Every call is answered by the router's HTTP app in-process: the call's metadata
 * (`x-scope-orgid`, `authorization`, the bucket) become the request's headers, so tenancy,
 * tokens, per-org limits and parameter checks are the HTTP API's, not a copy of them.
 */
import type * as grpc from "@grpc/grpc-js";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { BUCKET_HEADER, ORG_HEADER } from "../../../shared/tenancy/index.ts";
import type { Logger } from "../../../shared/log/index.ts";
import { StreamingError, streamingErrorOf } from "./grpc-status.ts";
import { streamSearch, type LocalFetch, type SearchRequestMessage } from "./search-stream.ts";

/** Headers of the HTTP API a streaming call may carry as metadata. */
const FORWARDED = [ORG_HEADER, BUCKET_HEADER, "Authorization"];

export interface StreamingDeps {
  /** The router's HTTP app, once it exists (the router starts it after discovery). */
  fetchLocal: () => LocalFetch | undefined;
  log: Logger;
}

type ServerStream<Req> = grpc.ServerWritableStream<Req, unknown>;

export function streamingQuerierHandlers(deps: StreamingDeps): grpc.UntypedServiceImplementation {
  return {
    Search: (call: ServerStream<SearchRequestMessage>) =>
      serve(deps, call, "Search", (fetchLocal, headers, signal) =>
        streamSearch(call.request, fetchLocal, headers, (message) => call.write(message), signal),
      ),
    MetricsQueryRange: (call: ServerStream<QueryRangeRequestMessage>) =>
      serve(deps, call, "MetricsQueryRange", async (fetchLocal, headers, signal) => {
        const r = call.request;
        const params = new URLSearchParams({ q: r.query ?? "" });
        if (r.start && r.start !== "0") params.set("start", String(r.start));
        if (r.end && r.end !== "0") params.set("end", String(r.end));
        if (r.step && r.step !== "0") params.set("step", `${r.step}ns`);
        if (r.exemplars) params.set("exemplars", String(r.exemplars));
        call.write(await metricsAnswer(fetchLocal, `/api/metrics/query_range?${params}`, headers, signal));
      }),
    MetricsQueryInstant: (call: ServerStream<QueryInstantRequestMessage>) =>
      serve(deps, call, "MetricsQueryInstant", async (fetchLocal, headers, signal) => {
        const r = call.request;
        const params = new URLSearchParams({ q: r.query ?? "" });
        if (r.start && r.start !== "0") params.set("start", String(r.start));
        if (r.end && r.end !== "0") params.set("end", String(r.end));
        call.write(await metricsAnswer(fetchLocal, `/api/metrics/query?${params}`, headers, signal));
      }),
  };
}

/** `QueryRangeRequest` / `QueryInstantRequest` as proto-loader presents them (uint64 as strings). */
interface QueryRangeRequestMessage {
  query?: string;
  start?: string;
  end?: string;
  step?: string;
  exemplars?: number;
}
type QueryInstantRequestMessage = Omit<QueryRangeRequestMessage, "step" | "exemplars">;

async function metricsAnswer(fetchLocal: LocalFetch, path: string, headers: Headers, signal: AbortSignal): Promise<unknown> {
  const response = await fetchLocal(new Request(`http://router.local${path}`, { headers, signal }));
  if (!response.ok) throw await streamingErrorOf(response);
  // Tempo's HTTP JSON is the message's proto3 JSON form: the field names are the same.
  return response.json();
}

/** Runs one call: headers from metadata, cancellation, and every failure as a gRPC status. */
async function serve<Req>(
  deps: StreamingDeps,
  call: ServerStream<Req>,
  method: string,
  run: (fetchLocal: LocalFetch, headers: Headers, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const controller = new AbortController();
  call.on("cancelled", () => controller.abort(new Error("client cancelled the call")));
  try {
    const fetchLocal = deps.fetchLocal();
    if (!fetchLocal) throw new StreamingError(GrpcStatus.UNAVAILABLE, "router is starting");
    await run(fetchLocal, headersOf(call.metadata), controller.signal);
    call.end();
  } catch (err) {
    if (controller.signal.aborted) return;
    const error =
      err instanceof StreamingError ? err : new StreamingError(GrpcStatus.INTERNAL, `internal error: ${(err as Error)?.message ?? String(err)}`);
    if (error.code === GrpcStatus.INTERNAL) deps.log.error("streaming.call_failed", { method, err });
    // FIELD-NOTES: destroy(err) leaves the client waiting; emitting the status ends the call.
    call.emit("error", { code: error.code, details: error.details });
  }
}

function headersOf(metadata: grpc.Metadata): Headers {
  const headers = new Headers();
  for (const name of FORWARDED) {
    const value = metadata.get(name.toLowerCase())[0];
    if (typeof value === "string") headers.set(name, value);
  }
  return headers;
}
