/**
 * Descriptors, tickets, action bodies and PutResult metadata are small UTF-8 JSON documents
 * (docs/architecture.md §3). Malformed JSON from a peer is the peer's fault: INVALID_ARGUMENT.
 */
import { status as GrpcStatus } from "@grpc/grpc-js";
import { FlightError } from "./errors.ts";

const decoder = new TextDecoder("utf-8", { fatal: true });

/** `undefined` encodes as empty bytes (and decodes back to `undefined`). */
export function encodeJson(value: unknown): Buffer {
  if (value === undefined) return Buffer.alloc(0);
  return Buffer.from(JSON.stringify(value), "utf8");
}

/** `what` names the field in the error ("ticket", "action body" ...). */
export function decodeJson(bytes: Uint8Array | undefined | null, what: string): unknown {
  if (!bytes || bytes.byteLength === 0) return undefined;
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch (err) {
    throw new FlightError(GrpcStatus.INVALID_ARGUMENT, `${what} is not valid UTF-8 JSON: ${(err as Error).message}`);
  }
}
