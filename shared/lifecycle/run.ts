/**
 * Running roles as processes: one role alone (`bun run services/<role>`) or all four in
 * one process (the monolith). Both load the configuration once, open the catalog once and
 * stop on SIGINT/SIGTERM.
 */
import { loadConfigOrExit, type Config } from "../config/index.ts";
import { openCatalog } from "../catalog/index.ts";
import { assertCanDiscoverPeers } from "../discovery/index.ts";
import { createLogger, type Logger } from "../log/index.ts";
import { MetricsRegistry } from "../metrics/index.ts";
import type { RoleName, RoleStarter, RunningRole } from "./role.ts";
import { onShutdown } from "./shutdown.ts";

export const VERSION = "0.1.0";

function rootLogger(config: Config): Logger {
  return createLogger({ level: config.log.level, format: config.log.format });
}

/** Start the given roles in this process and keep them running until a signal. */
export async function runRoles(roles: Array<[RoleName, RoleStarter]>, options: { monolith: boolean }): Promise<void> {
  const config = await loadConfigOrExit();
  const log = rootLogger(config);
  const problem = assertCanDiscoverPeers(config, { monolith: options.monolith });
  if (problem) {
    process.stderr.write(`signalbox: ${problem}\n`);
    process.exit(2);
  }
  const started = performance.now();
  const catalog = await openCatalog(config.discovery.catalog.dsn, { log });
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
  try {
    for (const [name, start] of roles) {
      const roleLog = log.child({ role: name });
      running.push(await start({ config, log: roleLog, catalog, metrics: new MetricsRegistry(), monolith: options.monolith }));
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
