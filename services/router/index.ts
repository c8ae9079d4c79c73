/** `bun run services/router`: the router role alone. */
import { runRoles } from "../../shared/lifecycle/index.ts";
import { startRouter } from "./router.ts";

await runRoles([["router", startRouter]], { monolith: false });
