/** `bun run services/acceptor`: the acceptor role alone. */
import { runRoles } from "../../shared/lifecycle/index.ts";
import { startAcceptorRole } from "./role.ts";

await runRoles([["acceptor", startAcceptorRole]], { monolith: false });
