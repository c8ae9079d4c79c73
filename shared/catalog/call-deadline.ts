/**
 * Every catalog call gets a deadline, and every failure of the database link one error.
 *
 * A link that silently drops bytes (a dead route, a firewall) never fails a query: postgres.js
 * waits on the socket forever, and the connections stuck on it stay stuck after the link
 * heals (the bytes they lost are gone), so a role would wait on its catalog until restarted.
 * Here a call that has not answered within `timeoutMs` fails with CatalogError
 * "unavailable" and the driver's connections are recycled (`onStuck`): the next call opens
 * fresh ones. Errors of the database itself become the same "unavailable" error carrying the
 * driver's reason only: Drizzle's own message quotes the statement and its parameters, which
 * are internals no client should read in an error body.
 */
import type { Logger } from "../log/index.ts";
import { withTimeout } from "../timeout/index.ts";
import { CatalogError } from "./errors.ts";
import type { CatalogRepository } from "./repository.ts";

export interface CallDeadlineOptions {
  timeoutMs: number;
  log: Logger;
  /** A call outlived its deadline: drop the connections it may be stuck on. */
  onStuck(): void;
}

export function withCallDeadline(repository: CatalogRepository, options: CallDeadlineOptions): CatalogRepository {
  return new Proxy(repository, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || property === "close") return value;
      return (...args: unknown[]) => guarded(String(property), () => value.apply(target, args), options);
    },
  });
}

async function guarded<T>(method: string, call: () => Promise<T>, options: CallDeadlineOptions): Promise<T> {
  try {
    return await withTimeout(call(), options.timeoutMs, () => {
      options.log.warn("catalog.call.timeout", { method, timeout_ms: options.timeoutMs });
      options.onStuck();
      return new CatalogError("unavailable", `catalog did not answer ${method} within ${options.timeoutMs} ms`);
    });
  } catch (err) {
    if (err instanceof CatalogError) throw err;
    throw new CatalogError("unavailable", `catalog ${method} failed: ${rootReason(err)}`, { cause: err });
  }
}

/** The driver's reason (e.g. `connect ECONNREFUSED 127.0.0.1:5432`), never Drizzle's statement text. */
function rootReason(err: unknown): string {
  let node: unknown = err;
  while (node instanceof Error && node.cause instanceof Error) node = node.cause;
  const error = node as Error & { code?: string };
  const message = error instanceof Error ? error.message : String(error);
  if (/^Failed query:/i.test(message)) return "database error";
  return error?.code && !message.includes(error.code) ? `${error.code}: ${message}` : message;
}
