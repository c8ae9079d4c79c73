/**
 * Running roles as processes: one role alone (`bun run services/<role>`) or all four in
 * one process (the monolith). Both load the configuration once, open the catalog once and
 * stop on SIGINT/SIGTERM.
 */
import { basename } from "node:path";
import packageJson from "../../package.json" with { type: "json" };
import { CONFIG_KEYS, deprecatedKeyUses, loadConfigOrExit, type Config } from "../config/index.ts";
import { openCatalog } from "../catalog/index.ts";
import { assertCanDiscoverPeers } from "../discovery/index.ts";
import { InProcessFlight } from "../flight/index.ts";
import { createLogger, type Logger } from "../log/index.ts";
import { MetricsRegistry } from "../metrics/index.ts";
import type { RoleName, RoleStarter, RunningRole } from "./role.ts";
import { assertFlightSecured } from "./flight-auth.ts";
import { onShutdown } from "./shutdown.ts";

export const VERSION: string = packageJson.version;

const ROLE_JOBS: Record<RoleName, string> = {
  acceptor: "OTLP ingestion (gRPC and HTTP); routes each batch to the writers of its shard",
  writer: "durable persistence: write-ahead log, live buffer, Parquet flush, data manifest",
  router: "HTTP query API (Tempo, Loki subset, SQL); routes queries to queriers",
  querier: "query execution: DuckDB over Parquet plus the writers' unflushed rows",
};

export interface RunOptions {
  monolith: boolean;
  /** How `--help` names the command; defaults to how this process was started. */
  program?: string;
  /** The command takes a role name as its first argument (the all-in-one binary). */
  roleArgument?: readonly RoleName[];
}

function defaultProgram(roles: readonly RoleName[], monolith: boolean): string {
  if (Bun.isStandaloneExecutable) return basename(process.execPath);
  return monolith ? "bun run start" : `bun run services/${roles[0] ?? "<role>"}`;
}

/** The text of `--help`: what runs, how to configure it, every key with its default. */
export function helpText(roles: readonly RoleName[], options: RunOptions): string {
  const program = options.program ?? defaultProgram(roles, options.monolith);
  const lines = [`signalbox ${VERSION}: OpenTelemetry traces, logs and metrics database`, ""];
  if (options.roleArgument) {
    lines.push(`Usage: ${program} [ROLE] [--config FILE] [--KEY=VALUE ...]`, "");
    lines.push("ROLE runs that role alone; without it all roles run in this process (the monolith):");
    for (const role of options.roleArgument) lines.push(`  ${role.padEnd(9)} ${ROLE_JOBS[role]}`);
  } else {
    lines.push(`Usage: ${program} [--config FILE] [--KEY=VALUE ...]`, "");
    lines.push(roles.length > 1 ? "Runs these roles in one process (the monolith):" : "Runs the role:");
    for (const role of roles) lines.push(`  ${role.padEnd(9)} ${ROLE_JOBS[role]}`);
  }
  lines.push(
    "",
    "Options:",
    "  --config FILE    TOML file with any of the keys below (commented example: signalbox.example.toml)",
    "  --KEY=VALUE      set one key, e.g. --writer.flight_port=0 (also --KEY VALUE)",
    "  --help, -h       print this text and exit",
    "  --version        print the version and exit",
    "",
    "Configuration, later wins: defaults, --config FILE, environment SIGNALBOX_<KEY> (dots",
    "become underscores, upper case), flags. Durations are strings: 250ms, 30s, 5m.",
    "A role started alone needs a shared catalog (sqlite:PATH or postgres://...) or NATS.",
    "",
    "Keys (environment variable, default):",
  );
  const width = Math.max(...CONFIG_KEYS.map((k) => k.path.length));
  const envWidth = Math.max(...CONFIG_KEYS.map((k) => k.env.length));
  for (const key of CONFIG_KEYS) {
    const fallback = key.fallback === undefined ? "unset" : JSON.stringify(key.fallback);
    lines.push(`  ${key.path.padEnd(width)}  ${key.env.padEnd(envWidth)}  ${fallback}`);
  }
  lines.push("", "Documentation: README.md and docs/operations.md in the Signalbox repository.");
  return lines.join("\n") + "\n";
}

/**
 * `--help` / `-h` and `--version` answer and exit before any configuration is loaded, so
 * they work even where the configuration would be invalid.
 */
export function answerInfoFlags(argv: readonly string[], roles: readonly RoleName[], options: RunOptions): void {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(helpText(roles, options));
    process.exit(0);
  }
  if (argv.includes("--version")) {
    process.stdout.write(`signalbox ${VERSION} (bun ${Bun.version})\n`);
    process.exit(0);
  }
}

function rootLogger(config: Config): Logger {
  return createLogger({ level: config.log.level, format: config.log.format });
}

/** Start the given roles in this process and keep them running until a signal. */
export async function runRoles(roles: Array<[RoleName, RoleStarter]>, options: RunOptions): Promise<void> {
  answerInfoFlags(
    process.argv.slice(2),
    roles.map(([name]) => name),
    options,
  );
  const config = await loadConfigOrExit();
  const log = rootLogger(config);
  for (const use of deprecatedKeyUses(config)) {
    log.warn("config.key_renamed", { key: use.key, use_instead: use.replacement, source: use.source });
  }
  const problem = assertFlightSecured(config) ?? assertCanDiscoverPeers(config, { monolith: options.monolith });
  if (problem) {
    process.stderr.write(`signalbox: ${problem}\n`);
    process.exit(2);
  }
  const started = performance.now();
  const catalog = await openCatalog(config.discovery.catalog.dsn, { log, callTimeoutMs: config.discovery.catalog.timeout });
  const running: RunningRole[] = [];
  const stopAll = async () => {
    // Reverse start order: the ingest and query fronts close before the writers they feed.
    for (const role of [...running].reverse()) {
      try {
        await role.stop();
      } catch (err) {
        log.error("role.stop_failed", { role: role.role, err });
      }
    }
    await catalog.close();
  };
  onShutdown(stopAll, log, config.shutdown_timeout);
  // One registry for the roles of the monolith: the writer's server joins it, senders use it.
  const inProcessFlight = options.monolith ? new InProcessFlight() : undefined;
  try {
    for (const [name, start] of roles) {
      const roleLog = log.child({ role: name });
      running.push(await start({ config, log: roleLog, catalog, metrics: new MetricsRegistry(), monolith: options.monolith, inProcessFlight }));
    }
  } catch (err) {
    log.error("start.failed", { err });
    await stopAll();
    process.exit(1);
  }
  log.info("signalbox.started", {
    version: VERSION,
    roles: running.map((r) => r.role),
    addresses: Object.fromEntries(running.map((r) => [r.role, r.addresses])),
    startup_ms: Math.round(performance.now() - started),
  });
}
