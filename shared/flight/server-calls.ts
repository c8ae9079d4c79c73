/**
 * The FlightService RPC implementations: authentication, JSON descriptors/tickets/bodies,
 * IPC framing and error reporting around the application's FlightHandlers.
 * grpc-js traps (FIELD-NOTES): read duplex input with `call.iterator({ destroyOnReturn: false })`
 * (`for await (… of call)` destroys the duplex and the client never sees PutResult), and
 * report failures with `call.emit("error", …)` (`call.destroy(err)` leaves the client hanging).
 */
import * as grpc from "@grpc/grpc-js";
import { RecordBatch, Schema, Table } from "apache-arrow";
import type { Logger } from "../log/index.ts";
import type { MetricsRegistry } from "../metrics/index.ts";
import { FlightCallMetrics, UNTIMED } from "./call-metrics.ts";
import { callContext, metadataText, type CallContext } from "./call-context.ts";
import { ANSWERED_FACT, FACT_KEY, FlightError } from "./errors.ts";
import type { BatchSource, FlightHandlers } from "./handlers.ts";
import { FlightDataEncoder, decodeFlightData } from "./ipc.ts";
import { decodeJson, encodeJson } from "./json.ts";
import type {
  ActionMessage, FlightDataMessage, FlightDescriptorMessage, HandshakeMessage, PutResultMessage, ResultMessage, TicketMessage,
} from "./proto.ts";
import { encodeStatus } from "../otlp/responses.ts";
import { SECRET_METADATA_KEY } from "./secret.ts";
import { authorizeCall, logCallFailure } from "./server-checks.ts";
import { abortable, prepend, writeWithBackpressure, yieldToEventLoop } from "./streams.ts";

const S = grpc.status;

interface ServiceOptions {
  handlers: FlightHandlers;
  log: Logger;
  secret?: string;
  metrics?: MetricsRegistry;
}

type StreamCall = grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>;

export function flightServiceImplementation(opts: ServiceOptions): grpc.UntypedServiceImplementation {
  const { handlers, log } = opts;
  const timing = opts.metrics ? new FlightCallMetrics(opts.metrics, "server") : UNTIMED;

  const fail = (method: string, call: StreamCall, err: unknown) => {
    const error = FlightError.from(err);
    logCallFailure(log, error, method, call.getPeer());
    // A cancelled call already has its status; writing another would only raise "write after end".
    if (call.cancelled) return;
    call.emit("error", { code: error.code, details: error.message || error.codeName, metadata: trailingMetadata(error) });
  };

  const authorize = (method: string, call: { metadata: grpc.Metadata; getPeer(): string }) =>
    authorizeCall(log, opts.secret, metadataText(call.metadata, SECRET_METADATA_KEY), method, call.getPeer());

  /** Runs one streaming call: authorize, build its context, report any failure. */
  const run = <C extends StreamCall>(method: string, body: (call: C, ctx: CallContext) => Promise<void>) =>
    (call: C) => {
      const ctx = callContext(call);
      timing
        .time(method, async () => {
          authorize(method, call);
          await body(call, ctx);
          call.end();
        })
        .catch((err) => fail(method, call, err));
    };

  const unimplemented = (method: string) => run<grpc.ServerWritableStream<unknown, unknown>>(method, async () => {
    throw new FlightError(S.UNIMPLEMENTED, `${method} is not implemented by Signalbox`);
  });

  const unaryUnimplemented = (method: string): grpc.handleUnaryCall<unknown, unknown> => (call, callback) => {
    try {
      authorize(method, call);
      callback({ code: S.UNIMPLEMENTED, details: `${method} is not implemented by Signalbox` });
    } catch (err) {
      const error = FlightError.from(err);
      callback({ code: error.code, details: error.message });
    }
  };

  return {
    Handshake: run<grpc.ServerDuplexStream<HandshakeMessage, HandshakeMessage>>("Handshake", async (call, ctx) => {
      // Authentication rides on metadata; the handshake only echoes, for standard clients.
      for await (const request of abortable(call.iterator({ destroyOnReturn: false }), ctx.signal)) {
        const message = request as HandshakeMessage;
        await writeWithBackpressure(call, { protocol_version: message.protocol_version, payload: message.payload }, ctx.signal);
      }
    }),

    DoPut: run<grpc.ServerDuplexStream<FlightDataMessage, PutResultMessage>>("DoPut", async (call, ctx) => {
      if (!handlers.doPut) throw new FlightError(S.UNIMPLEMENTED, "DoPut is not served here");
      const input = abortable<FlightDataMessage>(call.iterator({ destroyOnReturn: false }), ctx.signal);
      const first = await input.next();
      if (first.done) throw new FlightError(S.INVALID_ARGUMENT, "DoPut stream is empty: expected a FlightDescriptor");
      const descriptor = descriptorJson(first.value.flight_descriptor);
      const batches = decodeFlightData(prepend(first.value, input), S.INVALID_ARGUMENT);
      const result = await handlers.doPut(descriptor, batches, ctx);
      await writeWithBackpressure(call, { app_metadata: encodeJson(result) }, ctx.signal);
    }),

    DoGet: run<grpc.ServerWritableStream<TicketMessage, FlightDataMessage>>("DoGet", async (call, ctx) => {
      if (!handlers.doGet) throw new FlightError(S.UNIMPLEMENTED, "DoGet is not served here");
      const ticket = decodeJson(call.request.ticket, "Ticket.ticket");
      const source = await handlers.doGet(ticket, ctx);
      await sendBatches(call, source, ctx.signal);
    }),

    DoAction: run<grpc.ServerWritableStream<ActionMessage, ResultMessage>>("DoAction", async (call, ctx) => {
      if (!handlers.doAction) throw new FlightError(S.UNIMPLEMENTED, "DoAction is not served here");
      const type = call.request.type ?? "";
      if (type === "") throw new FlightError(S.INVALID_ARGUMENT, "Action.type is empty");
      const body = decodeJson(call.request.body, "Action.body");
      const result = await handlers.doAction(type, body, ctx);
      await writeWithBackpressure(call, { body: encodeJson(result) }, ctx.signal);
    }),

    ListActions: run<grpc.ServerWritableStream<unknown, unknown>>("ListActions", async (call, ctx) => {
      for (const action of handlers.listActions?.() ?? []) await writeWithBackpressure(call, action, ctx.signal);
    }),

    ListFlights: unimplemented("ListFlights"),
    DoExchange: unimplemented("DoExchange"),
    GetFlightInfo: unaryUnimplemented("GetFlightInfo"),
    PollFlightInfo: unaryUnimplemented("PollFlightInfo"),
    GetSchema: unaryUnimplemented("GetSchema"),
  };
}

function descriptorJson(descriptor: FlightDescriptorMessage | null | undefined): unknown {
  if (!descriptor) throw new FlightError(S.INVALID_ARGUMENT, "the first DoPut message must carry a FlightDescriptor");
  if (descriptor.type === "PATH") throw new FlightError(S.INVALID_ARGUMENT, "expected a CMD FlightDescriptor carrying JSON");
  return decodeJson(descriptor.cmd, "FlightDescriptor.cmd");
}

/** Streams a handler's batches as FlightData; the Schema message goes first when known. */
async function sendBatches(call: grpc.ServerWritableStream<unknown, FlightDataMessage>, source: BatchSource, signal: AbortSignal) {
  const encoder = new FlightDataEncoder();
  const schema = (source as { schema?: unknown }).schema;
  const batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch> = source instanceof Table ? source.batches : source;
  if (schema instanceof Schema) {
    for (const message of encoder.start(schema)) await writeWithBackpressure(call, message, signal);
  }
  for await (const batch of batches as AsyncIterable<unknown>) {
    if (signal.aborted) throw signal.reason;
    if (!(batch instanceof RecordBatch)) throw new FlightError(S.INTERNAL, "doGet source yielded a value that is not a RecordBatch");
    for (const message of encoder.encode(batch)) await writeWithBackpressure(call, message, signal);
    await yieldToEventLoop();
  }
}

/**
 * A FlightError's facts as the trailing metadata the client reads them back from, and its
 * RetryInfo in `grpc-status-details-bin`, where gRPC clients look for it.
 */
function trailingMetadata(error: FlightError): grpc.Metadata {
  const metadata = new grpc.Metadata();
  // Marked as the handler's own answer: the caller can tell "the peer said unavailable"
  // (e.g. its catalog is down) from "the peer could not be reached".
  metadata.set(ANSWERED_FACT, "1");
  for (const [key, value] of Object.entries(error.facts)) if (FACT_KEY.test(key)) metadata.set(key, value);
  if (error.retryAfterMs !== undefined) {
    const status = encodeStatus(error.code, error.message, "protobuf", error.retryAfterMs) as Uint8Array;
    metadata.set("grpc-status-details-bin", Buffer.from(status));
  }
  return metadata;
}
