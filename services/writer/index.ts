/** `bun run services/writer`: the writer role alone. */
import { runRoles } from "../../shared/lifecycle/index.ts";
import { startWriter } from "./writer.ts";

await runRoles([["writer", startWriter]], { monolith: false });
