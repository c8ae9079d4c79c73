/**
 * `bun run start`: all four roles in one process, sharing one catalog — the embedded
 * default (in-memory SQLite, ./data, no NATS) needs nothing else running. Writers start
 * first so the acceptor and querier find them at once.
 */
import { runRoles } from "../shared/lifecycle/index.ts";
import { startAcceptorRole } from "./acceptor/acceptor.ts";
import { startQuerier } from "./querier/querier.ts";
import { startRouter } from "./router/router.ts";
import { startWriter } from "./writer/writer.ts";

await runRoles(
  [
    ["writer", startWriter],
    ["querier", startQuerier],
    ["router", startRouter],
    ["acceptor", startAcceptorRole],
  ],
  { monolith: true },
);
