/**
 * The compiled binaries (`bun run build`) as an operator uses them: copied nowhere, started
 * from empty directories far from the repository, nothing beside them, DuckDB's native
 * library unpacked from inside the binary into a fresh cache folder. A trace sent through
 * the real OpenTelemetry exporter is read back identical — from the writer's live buffer and
 * again after a flush to Parquet (DuckDB writes and reads inside the binary).
 *
 * All five binaries are built once (≈ 7–20 s; `--outdir` keeps the repository's dist/ alone).
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { FlightClient } from "../shared/flight/index.ts";
import { canonicalTrace } from "./helpers/otlp-compare.ts";
import { sendTrace } from "./helpers/otel-trace.ts";
import { REPO_ROOT, roleEnv, startProcess, tempDir, type RoleProcess } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const BINARIES = ["signalbox", "signalbox-acceptor", "signalbox-writer", "signalbox-router", "signalbox-querier"] as const;

const root = tempDir("build");
const outdir = join(root, "dist");
const cacheHome = join(root, "cache");
const running: RoleProcess[] = [];

/** Only what a bare machine has: no SIGNALBOX_* leaking in from the test runner. */
function bareEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: join(root, "home"), XDG_CACHE_HOME: cacheHome, ...extra };
}

function emptyDir(name: string): string {
  const dir = join(root, "run", name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Start a binary from `cwd` and wait for its `signalbox.started` line (every entry logs it). */
async function startBinary(name: string, args: string[], cwd: string, env: Record<string, string>): Promise<RoleProcess> {
  const started = await startProcess(name, [join(outdir, name), ...args], { cwd, env: bareEnv(env), startedEvent: "signalbox.started", timeoutMs: 30_000 });
  running.push(started);
  return started;
}

async function getTrace(routerHttp: string, traceId: string): Promise<{ status: number; trace?: { resourceSpans: Array<Record<string, any>> } }> {
  const response = await fetch(`http://${routerHttp}/api/v2/traces/${traceId}`);
  const body = (await response.json()) as { trace?: { resourceSpans: Array<Record<string, any>> } };
  return { status: response.status, trace: body.trace };
}

/** Discovery between processes is eventually consistent: give it a moment, then insist. */
async function getTraceEventually(routerHttp: string, traceId: string) {
  const deadline = Date.now() + 10_000;
  let latest = await getTrace(routerHttp, traceId);
  while (latest.status !== 200 && Date.now() < deadline) {
    await Bun.sleep(100);
    latest = await getTrace(routerHttp, traceId);
  }
  return latest;
}

async function runToEnd(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const proc = Bun.spawn(args, { cwd, env: bareEnv(), stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, out, err };
}

/** User SQL runs in a sandbox process: the binary started again (SIGNALBOX_INTERNAL_SQL_SANDBOX). */
async function sqlRows(router: string, sql: string): Promise<unknown> {
  const response = await fetch(`http://${router}/api/v1/sql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sql }) });
  const body = (await response.json()) as { rows?: unknown[][]; error?: string };
  if (response.status !== 200) throw new Error(`SQL answered ${response.status}: ${body.error}`);
  return body.rows;
}

beforeAll(async () => {
  const build = Bun.spawn(["bun", "run", "services/build.ts", "--outdir", outdir], { cwd: REPO_ROOT, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(build.stdout).text(), new Response(build.stderr).text(), build.exited]);
  if (code !== 0) throw new Error(`bun run build failed (${code}):\n${out}\n${err}`);
  // One progress line per binary, then the sizes.
  for (const name of BINARIES) expect(out).toContain(`${name} ...`);
  expect(out).toMatch(/built 5 binaries in [\d.]+ s/);
}, 240_000);

afterAll(async () => {
  for (const started of running) await started.kill();
  rmSync(root, { recursive: true, force: true });
});

describe("compiled binaries", () => {
  test("every binary answers --version and --help from an empty directory", async () => {
    const cwd = emptyDir("info");
    for (const name of BINARIES) {
      const version = await runToEnd([join(outdir, name), "--version"], cwd);
      expect(version.code).toBe(0);
      expect(version.out).toMatch(/^signalbox \d+\.\d+\.\d+/);
      const help = await runToEnd([join(outdir, name), "--help"], cwd);
      expect(help.code).toBe(0);
      expect(help.out).toContain(`Usage: ${name} `);
      expect(help.out).toContain("SIGNALBOX_DISCOVERY_CATALOG_DSN");
      expect(help.out).toContain("signalbox.example.toml");
    }
    const all = await runToEnd([join(outdir, "signalbox"), "--help"], cwd);
    expect(all.out).toContain("[ROLE]");
    for (const role of ["acceptor", "writer", "router", "querier"]) expect(all.out).toContain(`  ${role} `);
    expect(readdirSync(cwd)).toEqual([]); // --help touched nothing
  });

  test("a wrong role argument is refused with exit code 2", async () => {
    const cwd = emptyDir("wrong-role");
    const unknown = await runToEnd([join(outdir, "signalbox"), "scheduler"], cwd);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown role "scheduler"');
    const other = await runToEnd([join(outdir, "signalbox-router"), "writer"], cwd);
    expect(other.code).toBe(2);
    expect(other.err).toContain("runs the router role only");
  });

  test("dist/signalbox (all roles) from an empty directory: write, read back, flush, read back", async () => {
    const cwd = emptyDir("monolith");
    const { proc, addresses } = await startBinary("signalbox", [], cwd, roleEnv({ SIGNALBOX_WRITER_FLUSH_INTERVAL: "1h" }));
    // libduckdb.so came out of the binary, into the cache folder, not beside the binary.
    expect(readdirSync(join(cacheHome, "signalbox")).some((d) => d.startsWith("libduckdb-"))).toBe(true);
    expect(readdirSync(outdir).sort()).toEqual([...BINARIES].sort());

    const sent = await sendTrace(addresses["acceptor.http"]!);
    const live = await getTrace(addresses["router.http"]!, sent.traceId);
    expect(live.status).toBe(200);
    expect(canonicalTrace(live.trace!)).toHaveLength(2);
    expect(canonicalTrace(live.trace!)).toEqual(canonicalTrace(sent.sent));

    const flushed = (await new FlightClient(addresses["writer.flight"]!).action("flush", {})) as { files: unknown[] };
    expect(flushed.files.length).toBeGreaterThan(0);
    const persisted = await getTrace(addresses["router.http"]!, sent.traceId);
    expect(canonicalTrace(persisted.trace!)).toEqual(canonicalTrace(sent.sent));
    // The default storage.path (./data) is relative to the working directory.
    expect(existsSync(join(cwd, "data", "default", "default", "traces"))).toBe(true);
    expect(await sqlRows(addresses["router.http"]!, "select count(*) as n from traces")).toEqual([[2]]);

    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  }, 60_000);

  test("the four one-role binaries, each in its own directory, sharing a SQLite catalog", async () => {
    const shared = emptyDir("cluster-shared");
    const env = roleEnv({
      SIGNALBOX_DISCOVERY_CATALOG_DSN: `sqlite:${join(shared, "catalog.db")}`,
      SIGNALBOX_STORAGE_PATH: join(shared, "data"),
      SIGNALBOX_WRITER_FLUSH_INTERVAL: "1h",
    });
    const writer = await startBinary("signalbox-writer", [], emptyDir("writer"), env);
    await startBinary("signalbox-querier", [], emptyDir("querier"), env);
    const router = await startBinary("signalbox-router", [], emptyDir("router"), env);
    const acceptor = await startBinary("signalbox-acceptor", [], emptyDir("acceptor"), env);

    const sent = await sendTrace(acceptor.addresses["acceptor.http"]!, "payments");
    const live = await getTraceEventually(router.addresses["router.http"]!, sent.traceId);
    expect(live.status).toBe(200);
    expect(canonicalTrace(live.trace!)).toEqual(canonicalTrace(sent.sent));

    await new FlightClient(writer.addresses["writer.flight"]!).action("flush", {});
    const persisted = await getTrace(router.addresses["router.http"]!, sent.traceId);
    expect(canonicalTrace(persisted.trace!)).toEqual(canonicalTrace(sent.sent));
    expect(await sqlRows(router.addresses["router.http"]!, "select count(*) as n from traces")).toEqual([[2]]);
  }, 90_000);
});
