/**
 * The import rules of docs/architecture.md, checked on every import (static, dynamic and
 * re-export) of every TypeScript file under services/ and shared/:
 * - a role never imports another role, and role code is imported from outside its folder
 *   only by the entry points that run roles (services/monolith.ts, services/cli.ts), and
 *   there only through its start module (services/<role>/<role>.ts);
 * - shared/ never imports services/;
 * - code under services/ (tests aside) reaches a shared folder through its index.ts.
 */
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { dirname, join, normalize, relative } from "node:path";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const REPO = normalize(join(import.meta.dir, ".."));
const ROLES = ["acceptor", "writer", "router", "querier"] as const;
const ENTRY_POINTS = new Set(["services/monolith.ts", "services/cli.ts"]);
const startModule = (role: string) => `services/${role}/${role}.ts`;

const roleOf = (path: string) => ROLES.find((r) => path.startsWith(`services/${r}/`));

/** What is wrong with `from` (repo-relative) importing `target` (repo-relative), if anything. */
export function importViolation(from: string, target: string): string | undefined {
  const fromRole = roleOf(from);
  const targetRole = roleOf(target);
  if (from.startsWith("shared/") && target.startsWith("services/")) return "shared/ imports services/";
  if (targetRole && fromRole && fromRole !== targetRole) return `role ${fromRole} imports role ${targetRole}`;
  if (targetRole && !fromRole) {
    if (!ENTRY_POINTS.has(from)) return `role ${targetRole} imported outside the entry points`;
    if (target !== startModule(targetRole)) return `an entry point imports ${targetRole} past its start module ${startModule(targetRole)}`;
  }
  const isTest = from.endsWith(".test.ts");
  if (from.startsWith("services/") && target.startsWith("shared/") && !isTest && !target.endsWith("/index.ts")) {
    return "services/ reaches into a shared folder past its index.ts";
  }
  return undefined;
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;

function relativeImports(source: string): string[] {
  return [...source.matchAll(SPECIFIER)].map((m) => m[1]!).filter((s) => s.startsWith("./") || s.startsWith("../"));
}

async function violations(): Promise<string[]> {
  const found: string[] = [];
  for (const root of ["services", "shared"]) {
    for await (const file of new Bun.Glob(`${root}/**/*.ts`).scan({ cwd: REPO })) {
      const source = await Bun.file(join(REPO, file)).text();
      for (const specifier of relativeImports(source)) {
        const target = relative(REPO, normalize(join(REPO, dirname(file), specifier)));
        const problem = importViolation(file, target);
        if (problem) found.push(`${file} → ${target}: ${problem}`);
      }
    }
  }
  return found.sort();
}

describe("import rules (docs/architecture.md)", () => {
  test("every import under services/ and shared/ keeps them", async () => {
    expect(await violations()).toEqual([]);
  });

  test("the rules catch what they forbid", () => {
    expect(importViolation("services/router/router.ts", "services/querier/querier.ts")).toBe("role router imports role querier");
    expect(importViolation("shared/query/results.ts", "services/querier/engine/index.ts")).toBe("shared/ imports services/");
    expect(importViolation("services/topology.ts", "services/writer/writer.ts")).toBe("role writer imported outside the entry points");
    expect(importViolation("services/monolith.ts", "services/writer/flusher.ts")).toContain("past its start module");
    expect(importViolation("services/writer/writer.ts", "shared/flight/errors.ts")).toContain("past its index.ts");
    expect(importViolation("services/monolith.ts", "services/writer/writer.ts")).toBeUndefined();
    expect(importViolation("services/writer/flusher.ts", "services/writer/wal/index.ts")).toBeUndefined();
    expect(importViolation("services/router/http/tempo-search.ts", "shared/query/traceql/index.ts")).toBeUndefined();
    expect(importViolation("services/querier/run-trace-by-id.test.ts", "shared/tables/tables.ts")).toBeUndefined();
  });
});
