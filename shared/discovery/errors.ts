import { withTimeout } from "../timeout/index.ts";

/** Typed errors of service discovery: callers branch on `code`, never on message text. */
export type DiscoveryErrorCode =
  /** The NATS server could not be reached at start (later outages are survived, not thrown). */
  | "nats_unreachable"
  /** The catalog refused the first registration: a role that cannot register must not start. */
  | "register_failed"
  /** A catalog call did not answer within its deadline. */
  | "timeout"
  /** A NATS payload is not an instance document. */
  | "invalid_payload";

export class DiscoveryError extends Error {
  override readonly name = "DiscoveryError";
  constructor(
    readonly code: DiscoveryErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** `promise`, or a `timeout` DiscoveryError naming `what` when it has not settled after `ms`. */
export function answerWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return withTimeout(promise, ms, () => new DiscoveryError("timeout", `${what} did not answer within ${ms}ms`));
}
