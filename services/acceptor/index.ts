/** `bun run services/acceptor`: the acceptor role alone. */
import { runRoles } from "../../shared/lifecycle/index.ts";
import { startAcceptorRole } from "./acceptor.ts";

await runRoles([["acceptor", startAcceptorRole]], { monolith: false });
