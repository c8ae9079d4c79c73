/**
 * What a Flight handler learns about its call: deadline, plain-text metadata (without the
 * cluster secret), and an AbortSignal that fires when the client cancels, the deadline
 * passes or the server shuts down — handlers pass it on so abandoned work stops.
 */
import * as grpc from "@grpc/grpc-js";
import type { ServerSurfaceCall } from "@grpc/grpc-js/build/src/server-call";
import { FlightError } from "./errors.ts";
import { SECRET_METADATA_KEY } from "./secret.ts";

export interface CallContext {
  /** Epoch milliseconds after which the client has given up; absent when it set none. */
  deadline?: number;
  /** Text metadata of the call, lower-case keys; binary (`-bin`) entries and the secret omitted. */
  metadata: Record<string, string>;
  /** Aborted if the client cancels (or the deadline passes, or the server is force-closed). */
  signal: AbortSignal;
}

export function callContext(call: ServerSurfaceCall): CallContext {
  const controller = new AbortController();
  call.on("cancelled", () => {
    if (!controller.signal.aborted) controller.abort(new FlightError(grpc.status.CANCELLED, "call cancelled by the client"));
  });
  const context: CallContext = { metadata: textMetadata(call.metadata), signal: controller.signal };
  const deadline = call.getDeadline();
  const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
  if (Number.isFinite(deadlineMs)) context.deadline = deadlineMs;
  return context;
}

function textMetadata(metadata: grpc.Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) {
    if (key === SECRET_METADATA_KEY || typeof value !== "string") continue;
    out[key] = value;
  }
  return out;
}

/** First text value of `key`, if any. */
export function metadataText(metadata: grpc.Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === "string" ? value : undefined;
}
