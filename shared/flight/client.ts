/**
 * Flight client for one peer address. Every call has a deadline (30 s unless given) and an
 * optional AbortSignal; every failure surfaces as a FlightError, so callers can tell a dead
 * peer (`isUnavailable`) from a refused request.
 */
import * as grpc from "@grpc/grpc-js";
import { Table, type RecordBatch } from "apache-arrow";
import type { MetricsRegistry } from "../metrics/index.ts";
import { FlightCallMetrics, UNTIMED } from "./call-metrics.ts";
import { FlightError } from "./errors.ts";
import type { InProcessFlight } from "./in-process.ts";
import { FlightDataEncoder, decodeFlightData, type DecodedFlightStream } from "./ipc.ts";
import { decodeJson, encodeJson } from "./json.ts";
import { messageSizeOptions } from "./options.ts";
import { FLOW_CONTROL_WINDOW } from "./receive-window.ts";
import {
  FlightServiceClient, type ActionMessage, type ActionTypeMessage, type FlightDataMessage, type PutResultMessage,
  type ResultMessage, type TicketMessage,
} from "./proto.ts";
import { SECRET_METADATA_KEY } from "./secret.ts";
import { abortable, writeWithBackpressure, yieldToEventLoop } from "./streams.ts";

const S = grpc.status;
export const DEFAULT_DEADLINE_MS = 30_000;

export interface FlightClientOptions {
  /** Cluster secret sent as `x-signalbox-secret` on every call ("" = none). */
  secret?: string;
  /** Largest FlightData sent or accepted (default 64 MiB). */
  maxMessageBytes?: number;
  /** Where call latency and errors are counted (the role's registry). */
  metrics?: MetricsRegistry;
  /** Deadline for calls that name none (default 30 s). */
  defaultDeadlineMs?: number;
  /** The monolith's registry: a DoPut to a server of this process skips gRPC (in-process.ts). */
  inProcess?: InProcessFlight;
}

export interface FlightCallOptions {
  /** Whole-call deadline, from now. */
  deadlineMs?: number;
  /** Aborting cancels the call; the caller then sees FlightError CANCELLED. */
  signal?: AbortSignal;
  /** Extra text metadata (e.g. trace context). */
  metadata?: Record<string, string>;
}

interface FlightStub extends grpc.Client {
  DoPut(metadata: grpc.Metadata, options: grpc.CallOptions): grpc.ClientDuplexStream<FlightDataMessage, PutResultMessage>;
  DoGet(request: TicketMessage, metadata: grpc.Metadata, options: grpc.CallOptions): grpc.ClientReadableStream<FlightDataMessage>;
  DoAction(request: ActionMessage, metadata: grpc.Metadata, options: grpc.CallOptions): grpc.ClientReadableStream<ResultMessage>;
  ListActions(request: object, metadata: grpc.Metadata, options: grpc.CallOptions): grpc.ClientReadableStream<ActionTypeMessage>;
}

type AnyClientCall = { cancel(): void };

export class FlightClient {
  readonly address: string;
  private readonly stub: FlightStub;
  private readonly secret: string | undefined;
  private readonly defaultDeadlineMs: number;
  private readonly timing: Pick<FlightCallMetrics, "time">;
  private readonly inProcess: InProcessFlight | undefined;

  constructor(address: string, options: FlightClientOptions = {}) {
    this.address = address;
    this.inProcess = options.inProcess;
    this.secret = options.secret || undefined;
    this.defaultDeadlineMs = options.defaultDeadlineMs ?? DEFAULT_DEADLINE_MS;
    this.timing = options.metrics ? new FlightCallMetrics(options.metrics, "client") : UNTIMED;
    this.stub = new FlightServiceClient(address, grpc.credentials.createInsecure(), {
      ...messageSizeOptions(options.maxMessageBytes),
      // A restarted peer on a fixed port should be reachable again within seconds.
      "grpc.max_reconnect_backoff_ms": 5_000,
      // HTTP/2's default 64 KiB receive window costs a round trip per 64 KiB of DoGet data;
      // a 16 MiB window made multi-MiB DoGet answers several times faster on loopback.
      "grpc-node.flow_control_window": FLOW_CONTROL_WINDOW,
    }) as unknown as FlightStub;
  }

  /**
   * DoPut: sends the batches under a JSON descriptor and resolves with the parsed JSON of the
   * server's PutResult.app_metadata (`undefined` when it sent none).
   */
  put(descriptor: object, batches: RecordBatch[] | AsyncIterable<RecordBatch>, opts: FlightCallOptions = {}): Promise<unknown> {
    return this.timing.time("DoPut", async () => {
      // Looked up per call: a server that closed is reached (and found gone) over the network.
      const local = this.inProcess?.server(this.address);
      if (!local) return this.putOnce(descriptor, batches, opts);
      if (opts.signal?.aborted) throw new FlightError(S.CANCELLED, "call aborted before it started");
      const deadline = Date.now() + (opts.deadlineMs ?? this.defaultDeadlineMs);
      return local.put(descriptor, batches, { secret: this.secret, deadline, signal: opts.signal, metadata: opts.metadata });
    });
  }

  private async putOnce(descriptor: object, batches: RecordBatch[] | AsyncIterable<RecordBatch>, opts: FlightCallOptions): Promise<unknown> {
    const call = this.start(opts, (md, co) => this.stub.DoPut(md, co));
    const unlink = cancelOnAbort(opts.signal, call);
    const results: PutResultMessage[] = [];
    // Set when the call fails (server status, lost peer, deadline, cancel): stops pulling
    // batches even while the caller's source is blocked, so put() never outlives its call.
    const callFailed = new AbortController();
    const finished = new Promise<void>((resolve, reject) => {
      call.on("data", (result: PutResultMessage) => results.push(result));
      call.on("error", (err) => {
        callFailed.abort(err);
        reject(err);
      });
      call.on("end", resolve);
    });
    finished.catch(() => undefined); // observed below; must not count as unhandled meanwhile

    try {
      const encoder = new FlightDataEncoder();
      const descriptorMessage = { type: "CMD" as const, cmd: encodeJson(descriptor) };
      let sentDescriptor = false;
      for await (const batch of abortable(iterate(batches), callFailed.signal)) {
        for (const message of encoder.encode(batch)) {
          // Not a spread: that would read (and join) a parted message's data_body.
          const data: FlightDataMessage = sentDescriptor ? message : Object.assign(message, { flight_descriptor: descriptorMessage });
          sentDescriptor = true;
          await writeWithBackpressure(call, data, callFailed.signal);
        }
        await yieldToEventLoop();
      }
      if (!sentDescriptor) await writeWithBackpressure(call, { flight_descriptor: descriptorMessage }, callFailed.signal);
      call.end();
      await finished;
    } catch (err) {
      if (callFailed.signal.aborted) throw FlightError.from(callFailed.signal.reason);
      call.cancel(); // the caller's own batch source failed: stop the call, keep its error
      throw err;
    } finally {
      unlink();
    }
    const last = results.at(-1);
    return decodeJson(last?.app_metadata, "PutResult.app_metadata");
  }

  /**
   * DoGet: streams the batches of a JSON ticket. The call starts on first iteration;
   * `schema` is known once the first message arrived. Breaking out early cancels the call.
   */
  get(ticket: object, opts: FlightCallOptions = {}): DecodedFlightStream {
    let decoded: DecodedFlightStream | undefined;
    const self = this;
    async function* batches(): AsyncGenerator<RecordBatch> {
      const call = self.start(opts, (md, co) => self.stub.DoGet({ ticket: encodeJson(ticket) }, md, co));
      const unlink = cancelOnAbort(opts.signal, call);
      let complete = false;
      try {
        decoded = decodeFlightData(call as AsyncIterable<FlightDataMessage>, S.INTERNAL);
        for await (const batch of decoded) yield batch;
        complete = true;
      } catch (err) {
        throw FlightError.from(err);
      } finally {
        if (!complete) call.cancel();
        unlink();
      }
    }
    const iterator = batches();
    return {
      get schema() {
        return decoded?.schema;
      },
      [Symbol.asyncIterator]: () => iterator,
    };
  }

  /** DoGet collected into one Table; an empty answer keeps the stream's schema when it sent one. */
  getTable(ticket: object, opts: FlightCallOptions = {}): Promise<Table> {
    return this.timing.time("DoGet", () => this.getTableOnce(ticket, opts));
  }

  private async getTableOnce(ticket: object, opts: FlightCallOptions): Promise<Table> {
    const stream = this.get(ticket, opts);
    const batches: RecordBatch[] = [];
    for await (const batch of stream) batches.push(batch);
    if (batches.length > 0) return new Table(batches);
    return stream.schema ? new Table(stream.schema) : new Table();
  }

  /** DoAction: resolves with the parsed JSON body of the first Result (`undefined` if none). */
  action(type: string, body: object | undefined, opts: FlightCallOptions = {}): Promise<unknown> {
    return this.timing.time("DoAction", async () => {
      const results = await this.collect(opts, (md, co) => this.stub.DoAction({ type, body: encodeJson(body) }, md, co));
      return decodeJson(results[0]?.body, "Result.body");
    });
  }

  async listActions(opts: FlightCallOptions = {}): Promise<ActionTypeMessage[]> {
    return this.collect(opts, (md, co) => this.stub.ListActions({}, md, co));
  }

  close(): void {
    this.stub.close();
  }

  private async collect<T>(
    opts: FlightCallOptions,
    open: (md: grpc.Metadata, co: grpc.CallOptions) => grpc.ClientReadableStream<T>,
  ): Promise<T[]> {
    const call = this.start(opts, open);
    const unlink = cancelOnAbort(opts.signal, call);
    const out: T[] = [];
    try {
      for await (const item of call) out.push(item as T);
      return out;
    } catch (err) {
      throw FlightError.from(err);
    } finally {
      unlink();
    }
  }

  /** Opens a call with metadata and deadline; a closed channel counts as an unavailable peer. */
  private start<C>(opts: FlightCallOptions, open: (md: grpc.Metadata, co: grpc.CallOptions) => C): C {
    if (opts.signal?.aborted) throw new FlightError(S.CANCELLED, "call aborted before it started");
    const metadata = new grpc.Metadata();
    for (const [key, value] of Object.entries(opts.metadata ?? {})) metadata.set(key, value);
    if (this.secret !== undefined) metadata.set(SECRET_METADATA_KEY, this.secret);
    const deadline = Date.now() + (opts.deadlineMs ?? this.defaultDeadlineMs);
    try {
      return open(metadata, { deadline });
    } catch (err) {
      throw new FlightError(S.UNAVAILABLE, `cannot start a Flight call to ${this.address}: ${(err as Error).message}`, { cause: err });
    }
  }
}

async function* iterate<T>(items: Iterable<T> | AsyncIterable<T>): AsyncGenerator<T> {
  yield* items;
}

function cancelOnAbort(signal: AbortSignal | undefined, call: AnyClientCall): () => void {
  if (!signal) return () => undefined;
  const onAbort = () => call.cancel();
  signal.addEventListener("abort", onAbort, { once: true });
  return () => signal.removeEventListener("abort", onAbort);
}
