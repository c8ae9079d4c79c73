/**
 * One backend call under the router's deadline. The backend gets the absolute deadline and an
 * AbortSignal; the router does not trust it to honour them and answers 504 itself when the
 * deadline passes. A client that hangs up aborts its query too.
 */
import type { Table } from "apache-arrow";
import { parseTicket, type TicketInput } from "../../../shared/query/index.ts";
import type { QueryBackend } from "./backend.ts";
import { HttpError } from "./errors.ts";
import type { QueryLimits } from "./query-limits.ts";

/**
 * Runs a ticket. Route modules build `TicketInput`s from validated parameters; `parseTicket`
 * (shared/query, the querier's own check) fills defaults and catches a ticket the querier would
 * refuse before it leaves the router (QueryError → 400).
 */
export type RunQuery = (ticket: TicketInput, clientSignal?: AbortSignal) => Promise<Table>;

export function createQueryRunner(backend: QueryBackend, timeoutMs: number, limits: QueryLimits): RunQuery {
  return async (input, clientSignal) => {
    const ticket = parseTicket(input);
    const release = limits.acquire(ticket.org);
    const deadline = Date.now() + timeoutMs;
    const controller = new AbortController();
    const timeout = new HttpError(504, `query did not finish within ${timeoutMs} ms (query.timeout)`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort(timeout);
        reject(timeout);
      }, timeoutMs);
    });
    const onClientGone = () => controller.abort(clientSignal?.reason);
    clientSignal?.addEventListener("abort", onClientGone, { once: true });
    try {
      return await Promise.race([backend.query(ticket, { deadline, signal: controller.signal }), expired]);
    } catch (err) {
      // Whatever the backend threw after our deadline fired (AbortError, DEADLINE_EXCEEDED ...) is a 504.
      if (controller.signal.reason === timeout) throw timeout;
      throw err;
    } finally {
      release();
      clearTimeout(timer);
      clientSignal?.removeEventListener("abort", onClientGone);
    }
  };
}
