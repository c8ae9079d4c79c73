/**
 * `bun run build`: the single-file executables, compiled with Bun's bundler
 * (`Bun.build({ compile })`, the API behind `bun build --compile`) from services/cli.ts.
 *
 *   dist/signalbox            all roles; a role name as first argument runs only that role
 *   dist/signalbox-<role>     one role (acceptor, writer, router, querier)
 *
 * Each runs from any directory with nothing beside it: .proto and .sql files are text
 * imports, and the binaries that use DuckDB (signalbox, writer, querier) embed
 * `libduckdb.so` (see shared/native/duckdb.ts). The acceptor and router carry no DuckDB.
 *
 * Options: `--outdir DIR` (default dist), `--only NAME,NAME` (e.g. `--only signalbox,writer`).
 */
import { mkdirSync, rmSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { ROLE_NAMES, type RoleName } from "../shared/lifecycle/index.ts";

const REPO_ROOT = resolve(import.meta.dir, "..");
const ENTRY = join(REPO_ROOT, "services", "cli.ts");

/** Only the linux-x64 glibc bindings are embedded; the other platforms' must not be resolved. */
const OTHER_DUCKDB_BINDINGS = [
  "linux-x64-musl",
  "linux-arm64",
  "linux-arm64-musl",
  "darwin-arm64",
  "darwin-x64",
  "win32-x64",
  "win32-arm64",
].map((platform) => `@duckdb/node-bindings-${platform}/duckdb.node`);

const USES_DUCKDB: ReadonlySet<RoleName> = new Set(["writer", "querier"]);

export interface BinarySpec {
  /** File name inside the output folder. */
  name: string;
  /** Compile-time features (see `feature()` in services/cli.ts and shared/native/duckdb.ts). */
  features: string[];
}

export function binarySpecs(): BinarySpec[] {
  const perRole = ROLE_NAMES.map((role) => ({
    name: `signalbox-${role}`,
    features: [
      "SIGNALBOX_PINNED",
      `SIGNALBOX_ONLY_${role.toUpperCase()}`,
      ...(USES_DUCKDB.has(role) ? ["SIGNALBOX_EMBED_DUCKDB"] : []),
    ],
  }));
  return [{ name: "signalbox", features: ["SIGNALBOX_EMBED_DUCKDB"] }, ...perRole];
}

class BuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BuildError";
  }
}

export async function buildBinary(spec: BinarySpec, outdir: string): Promise<string> {
  const outfile = join(outdir, spec.name);
  const result = await Bun.build({
    entrypoints: [ENTRY],
    compile: {
      outfile,
      // "Nothing beside it": a stray .env or bunfig.toml in the working directory must not
      // change how the binary behaves. Configuration comes from --config, SIGNALBOX_* and flags.
      autoloadDotenv: false,
      autoloadBunfig: false,
    },
    features: spec.features,
    external: OTHER_DUCKDB_BINDINGS,
    // Embedded in the executable, so stack traces name source files and lines.
    sourcemap: "inline",
  });
  if (!result.success) {
    throw new BuildError(`${spec.name}: ${result.logs.map((log) => String(log)).join("\n")}`);
  }
  // The bundler also writes the map beside the binary; the binary does not need it.
  rmSync(`${outfile}.map`, { force: true });
  return outfile;
}

/** A compiled binary must at least start and answer `--version`. */
async function smokeCheck(path: string): Promise<void> {
  const proc = Bun.spawn([path, "--version"], { stdout: "pipe", stderr: "pipe", cwd: "/" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0 || !out.startsWith("signalbox ")) throw new BuildError(`${path} --version failed (exit ${code}): ${out}${err}`);
}

function parseArgs(argv: string[]): { outdir: string; only?: Set<string> } {
  let outdir = join(REPO_ROOT, "dist");
  let only: Set<string> | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i] ?? "";
    if (name === "--outdir") outdir = resolve(value());
    else if (name === "--only") only = new Set(value().split(",").map((s) => (s === "signalbox" || s.startsWith("signalbox-") ? s : `signalbox-${s}`)));
    else throw new BuildError(`unknown argument ${arg} (expected --outdir DIR, --only NAME,NAME)`);
  }
  return { outdir, only };
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

async function main(): Promise<void> {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new BuildError(`binaries are built on linux-x64 only (DuckDB's linux-x64 library is embedded); this is ${process.platform}-${process.arch}`);
  }
  const { outdir, only } = parseArgs(process.argv.slice(2));
  const specs = binarySpecs().filter((spec) => !only || only.has(spec.name));
  if (specs.length === 0) throw new BuildError(`--only matched no binary (names: ${binarySpecs().map((s) => s.name).join(", ")})`);
  mkdirSync(outdir, { recursive: true });
  const shown = relative(process.cwd(), outdir) || ".";
  const started = performance.now();
  const built: Array<{ path: string; bytes: number }> = [];
  for (const spec of specs) {
    const t0 = performance.now();
    process.stdout.write(`building ${join(shown, spec.name)} ...`);
    const path = await buildBinary(spec, outdir);
    await smokeCheck(path);
    const bytes = statSync(path).size;
    built.push({ path: join(shown, spec.name), bytes });
    process.stdout.write(` ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  process.stdout.write(`\nbuilt ${built.length} binaries in ${((performance.now() - started) / 1000).toFixed(1)} s:\n`);
  const width = Math.max(...built.map((b) => b.path.length));
  for (const b of built) process.stdout.write(`  ${b.path.padEnd(width)}  ${mib(b.bytes).padStart(10)}\n`);
}

if (import.meta.main) {
  try {
    await main();
  } catch (err) {
    process.stderr.write(`\nbuild failed: ${err instanceof BuildError ? err.message : String((err as Error).stack ?? err)}\n`);
    process.exit(1);
  }
}
