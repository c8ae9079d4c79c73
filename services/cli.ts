/**
 * The entry of every compiled binary (`bun run build`, see services/build.ts).
 *
 *   signalbox [ROLE] [flags]   ROLE alone, or all four roles in one process (the monolith)
 *   signalbox-<role> [flags]   a binary built for one role (`--feature=SIGNALBOX_ONLY_<ROLE>`)
 *
 * Roles are imported lazily, after DuckDB's embedded native library is in place (see
 * shared/native/duckdb.ts): `@duckdb/node-api` loads its addon the moment it is imported.
 * The `feature()` conditions are constants at build time, so a one-role binary carries only
 * its role's code (the acceptor and router binaries carry no DuckDB at all). Without any
 * feature (`bun run services/cli.ts`) every role is available.
 */
import { feature } from "bun:bundle";
import { answerInfoFlags, ROLE_NAMES, runRoles, type RoleName, type RoleStarter } from "../shared/lifecycle/index.ts";
import { prepareDuckDBNative } from "../shared/native/index.ts";

/** Start order of the monolith: writers first so the acceptor and querier find them at once. */
const MONOLITH_ORDER: readonly RoleName[] = ["writer", "querier", "router", "acceptor"];

class RoleUnavailableError extends Error {
  constructor(role: RoleName) {
    super(`the ${role} role is not part of this binary`);
    this.name = "RoleUnavailableError";
  }
}

function pinnedRole(): RoleName | undefined {
  if (feature("SIGNALBOX_ONLY_ACCEPTOR")) return "acceptor";
  if (feature("SIGNALBOX_ONLY_WRITER")) return "writer";
  if (feature("SIGNALBOX_ONLY_ROUTER")) return "router";
  if (feature("SIGNALBOX_ONLY_QUERIER")) return "querier";
  return undefined;
}

// Each loader's condition must stay a literal `feature()` expression: the bundler folds it
// and drops the import (and everything behind it) from binaries that do not include the role.
async function loadStarter(role: RoleName): Promise<RoleStarter> {
  switch (role) {
    case "acceptor":
      if (!feature("SIGNALBOX_PINNED") || feature("SIGNALBOX_ONLY_ACCEPTOR")) {
        return (await import("./acceptor/acceptor.ts")).startAcceptorRole;
      }
      break;
    case "writer":
      if (!feature("SIGNALBOX_PINNED") || feature("SIGNALBOX_ONLY_WRITER")) {
        await prepareDuckDBNative();
        return (await import("./writer/writer.ts")).startWriter;
      }
      break;
    case "router":
      if (!feature("SIGNALBOX_PINNED") || feature("SIGNALBOX_ONLY_ROUTER")) {
        return (await import("./router/router.ts")).startRouter;
      }
      break;
    case "querier":
      if (!feature("SIGNALBOX_PINNED") || feature("SIGNALBOX_ONLY_QUERIER")) {
        await prepareDuckDBNative();
        return (await import("./querier/querier.ts")).startQuerier;
      }
      break;
  }
  throw new RoleUnavailableError(role);
}

function isRoleName(text: string): text is RoleName {
  return (ROLE_NAMES as readonly string[]).includes(text);
}

/** The roles to run and whether they share the process as the monolith. */
function chooseRoles(argv: readonly string[]): { roles: RoleName[]; monolith: boolean } {
  const first = argv[0];
  const positional = first !== undefined && !first.startsWith("-") ? first : undefined;
  const pinned = pinnedRole();
  if (pinned) {
    if (positional !== undefined && positional !== pinned) fail(`unexpected argument "${positional}" (this binary runs the ${pinned} role only)`);
    return { roles: [pinned], monolith: false };
  }
  if (positional === undefined) return { roles: [...MONOLITH_ORDER], monolith: true };
  if (!isRoleName(positional)) fail(`unknown role "${positional}" (expected one of: ${ROLE_NAMES.join(", ")})`);
  return { roles: [positional], monolith: false };
}

function fail(problem: string): never {
  process.stderr.write(`signalbox: ${problem}; see --help\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
const { roles, monolith } = chooseRoles(argv);
const pinned = pinnedRole();
const runOptions = {
  monolith,
  roleArgument: pinned ? undefined : ROLE_NAMES,
  // A compiled binary names itself (its file name); from source, name this file.
  program: Bun.isStandaloneExecutable ? undefined : "bun run services/cli.ts",
};
answerInfoFlags(argv, roles, runOptions);

const starters: Array<[RoleName, RoleStarter]> = [];
try {
  for (const role of roles) starters.push([role, await loadStarter(role)]);
} catch (err) {
  process.stderr.write(`signalbox: cannot load the ${roles.join(", ")} role${roles.length > 1 ? "s" : ""}: ${(err as Error).message}\n`);
  process.exit(1);
}
await runRoles(starters, runOptions);
