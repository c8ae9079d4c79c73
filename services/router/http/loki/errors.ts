/**
 * Loki's error answers (grafana/loki `pkg/util/server/error.go`, `WriteError`): the message
 * as plain text with the status — 400 for a bad query or parameter and for a query past a
 * limit (Loki counts limits as the client's error), 499 for a client that went away, 504 for
 * a timeout, 429 when throttled, 5xx otherwise. Grafana shows the text as is.
 */
import { classifyError } from "../errors.ts";

/** Loki's text for a query cut by its deadline (`ErrDeadlineExceeded`). */
export const LOKI_DEADLINE_EXCEEDED =
  "Request timed out, decrease the duration of the request or add more label matchers (prefer exact match over regex match) to reduce the amount of data processed.";

export class LokiError extends Error {
  override readonly name = "LokiError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const lokiBadRequest = (message: string) => new LokiError(400, message);

export function lokiText(status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(message, { status, headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff", ...headers } });
}

/** Any failure as Loki answers it; undefined for a bug (the app's 500 handler logs it). */
export function lokiErrorResponse(err: unknown): Response | undefined {
  if (err instanceof LokiError) return lokiText(err.status, err.message);
  const known = classifyError(err);
  if (!known) return undefined;
  if (known.status === 504) return lokiText(504, LOKI_DEADLINE_EXCEEDED);
  // A limit (422 elsewhere in Signalbox) is a client error in Loki.
  if (known.status === 422) return lokiText(400, known.message);
  return lokiText(known.status, known.message, known.headers);
}
