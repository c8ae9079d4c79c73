/** `bun run services/querier`: the querier role alone. */
import { runRoles } from "../../shared/lifecycle/index.ts";
import { startQuerier } from "./querier.ts";

await runRoles([["querier", startQuerier]], { monolith: false });
