/** `bun run` entry of the SQL sandbox process (compiled binaries enter through services/cli.ts). */
import { runSandboxChild } from "./sandbox-child.ts";

await runSandboxChild();
