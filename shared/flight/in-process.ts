/**
 * DoPut between roles that share one process (the monolith; docs/architecture.md §3,
 * "In-process DoPut"). A Flight server started with an `InProcessFlight` registers its
 * handlers under its bound address; a client built with the same registry sends a DoPut to
 * that address straight to the handler, without gRPC. Only the transport is skipped: the
 * batches still travel as the IPC messages the network would carry and are decoded exactly
 * as a received stream (so `receivedIpcOf` gives the receiver the very bytes it stores),
 * the descriptor and the answer still go through JSON, the cluster secret is still checked,
 * and the answer still comes only when the handler resolved — for a writer, once the batch
 * is fsynced in its WAL. What is saved is gRPC's framing and every copy of the bodies: the
 * receiver's columns are views of the sender's buffers (shared/flight/parted-body.ts).
 * Other calls (DoGet, DoAction) keep using the network: they are not on the ingest path.
 */
import { status as GrpcStatus } from "@grpc/grpc-js";
import type { RecordBatch } from "apache-arrow";
import type { Logger } from "../log/index.ts";
import type { MetricsRegistry } from "../metrics/index.ts";
import { FlightCallMetrics, UNTIMED } from "./call-metrics.ts";
import type { CallContext } from "./call-context.ts";
import { ANSWERED_FACT, FACT_KEY, FlightError } from "./errors.ts";
import type { FlightHandlers } from "./handlers.ts";
import { FlightDataEncoder, decodeFlightData } from "./ipc.ts";
import { decodeJson, encodeJson } from "./json.ts";
import type { FlightDataMessage } from "./proto.ts";
import { authorizeCall, logCallFailure } from "./server-checks.ts";

const S = GrpcStatus;

/** What the caller of an in-process DoPut passes in place of gRPC's call options and metadata. */
export interface InProcessCall {
  /** The cluster secret the client would send as metadata (undefined = none). */
  secret: string | undefined;
  /** Epoch ms. */
  deadline: number;
  signal?: AbortSignal;
  metadata?: Record<string, string>;
}

/** The Flight servers of this process that accept in-process calls, by bound address. */
export class InProcessFlight {
  private readonly servers = new Map<string, InProcessServer>();

  serve(address: string, server: InProcessServer): void {
    this.servers.set(address, server);
  }

  /** From now on, calls to `address` go over the network (the server is closing). */
  remove(address: string, server: InProcessServer): void {
    if (this.servers.get(address) === server) this.servers.delete(address);
  }

  server(address: string): InProcessServer | undefined {
    return this.servers.get(address);
  }
}

export interface InProcessServerOptions {
  handlers: FlightHandlers;
  log: Logger;
  secret?: string;
  metrics?: MetricsRegistry;
}

/** One server's DoPut, run in the caller's process with the server's checks and error reporting. */
export class InProcessServer {
  private readonly timing: Pick<FlightCallMetrics, "time">;

  constructor(private readonly options: InProcessServerOptions) {
    this.timing = options.metrics ? new FlightCallMetrics(options.metrics, "server") : UNTIMED;
  }

  async put(descriptor: object, batches: RecordBatch[] | AsyncIterable<RecordBatch>, call: InProcessCall): Promise<unknown> {
    // The batches become IPC messages first, as the client would send them: an error here is
    // the caller's own (its batch source failed), not an answer of the server.
    const messages: FlightDataMessage[] = [];
    const encoder = new FlightDataEncoder();
    for await (const batch of batches) {
      // Bodies stay in their parts (the batch's own buffers): the receiver loads its columns
      // from them and its WAL writes them (parted-body.ts), so this path copies no body.
      messages.push(...encoder.encode(batch));
    }
    const remaining = call.deadline - Date.now();
    if (remaining <= 0) throw new FlightError(S.DEADLINE_EXCEEDED, "Deadline exceeded before the in-process DoPut started");
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new FlightError(S.DEADLINE_EXCEEDED, "Deadline exceeded")), remaining);
    const onCallerAbort = () => controller.abort(new FlightError(S.CANCELLED, "call cancelled by the client"));
    call.signal?.addEventListener("abort", onCallerAbort, { once: true });
    if (call.signal?.aborted) onCallerAbort();
    const ctx: CallContext = { deadline: call.deadline, metadata: { ...call.metadata }, signal: controller.signal };
    const stopped = new Promise<never>((_, reject) => {
      controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true });
    });
    stopped.catch(() => undefined);
    try {
      const answer = this.timing.time("DoPut", () => this.serve(descriptor, messages, call, ctx));
      answer.catch(() => undefined); // observed below, or dropped after the deadline as gRPC drops it
      return await Promise.race([answer, stopped]);
    } finally {
      clearTimeout(timer);
      call.signal?.removeEventListener("abort", onCallerAbort);
    }
  }

  /** The server's side of DoPut (server-calls.ts), minus the transport. */
  private async serve(descriptor: object, messages: FlightDataMessage[], call: InProcessCall, ctx: CallContext): Promise<unknown> {
    const { handlers, secret, log } = this.options;
    try {
      authorizeCall(log, secret, call.secret, "DoPut", "in-process");
      if (!handlers.doPut) throw new FlightError(S.UNIMPLEMENTED, "DoPut is not served here");
      const parsed = decodeJson(encodeJson(descriptor), "FlightDescriptor.cmd");
      const result = await handlers.doPut(parsed, decodeFlightData(fromArray(messages), S.INVALID_ARGUMENT), ctx);
      return decodeJson(encodeJson(result), "PutResult.app_metadata");
    } catch (err) {
      const error = FlightError.from(err);
      logCallFailure(log, error, "DoPut", "in-process");
      throw answered(error);
    }
  }
}

/** The error as a client reads it back from the wire: its facts, marked as the server's answer. */
function answered(error: FlightError): FlightError {
  const facts: Record<string, string> = { [ANSWERED_FACT]: "1" };
  for (const [key, value] of Object.entries(error.facts)) if (FACT_KEY.test(key)) facts[key] = value;
  return new FlightError(error.code, error.message || error.codeName, { cause: error, facts, retryAfterMs: error.retryAfterMs });
}

async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}
