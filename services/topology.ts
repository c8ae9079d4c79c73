/**
 * `bun run topology [--config FILE] [--json] [--wait DURATION]`: the live instances as the
 * resolver sees them (id, role, address, age of the last heartbeat, and whether the catalog,
 * NATS or both vouch for it). Honours the SIGNALBOX_* environment like every role.
 *
 * Exit codes: 0 printed; 1 the registry could not be read; 2 bad configuration, or a
 * configuration under which nothing can be seen (in-memory catalog without NATS).
 */
import { parseDuration } from "../shared/config/index.ts";
import { openCatalog } from "../shared/catalog/index.ts";
import { createResolver, formatTopologyTable, topologyRows } from "../shared/discovery/index.ts";
import { createLogger } from "../shared/log/index.ts";
import { command } from "./command.ts";

const USAGE = `usage: bun run topology [--config FILE] [--json] [--wait DURATION]
  --json           print a JSON array of {id, role, address, last_seen, age_ms, capabilities, sources}
  --wait DURATION  how long to listen for NATS heartbeats before printing (default 2 x discovery.nats.heartbeat_interval + 100ms)`;

const { fail, loadConfig } = command("topology");

/** Flags of this command; they are not configuration keys, so loadConfig ignores them. */
function ownFlags(argv: string[]): { json: boolean; help: boolean; waitMs?: number; rest: string[] } {
  const rest: string[] = [];
  let json = false;
  let help = false;
  let waitMs: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--json") json = true;
    else if (arg === "--help" || arg === "-h") help = true;
    else if (arg === "--wait" || arg.startsWith("--wait=")) {
      const text = arg === "--wait" ? argv[++i] : arg.slice("--wait=".length);
      waitMs = text === undefined ? undefined : parseDuration(text);
      if (waitMs === undefined) fail(2, `--wait: expected a duration such as "500ms"`);
    } else rest.push(arg);
  }
  return { json, help, waitMs, rest };
}

async function main(): Promise<void> {
  const flags = ownFlags(process.argv.slice(2));
  if (flags.help) {
    process.stdout.write(USAGE + "\n");
    return;
  }
  const config = await loadConfig(flags.rest);
  if (config.discovery.catalog.dsn === "sqlite::memory:" && config.discovery.nats.url === undefined) {
    fail(
      2,
      "cannot see anything: discovery.catalog.dsn is sqlite::memory: (a private, empty catalog) and discovery.nats.url " +
        "is unset. Point SIGNALBOX_DISCOVERY_CATALOG_DSN (or --config) at the catalog the roles share, or set SIGNALBOX_DISCOVERY_NATS_URL.",
    );
  }
  // Diagnostics go to stderr; only warnings, so --json output stays clean for scripts.
  const log = createLogger({ level: "warn", format: config.log.format, bindings: { role: "topology" } });
  const catalog = await openCatalog(config.discovery.catalog.dsn, { log }).catch((err: Error) =>
    fail(1, `cannot open the catalog: ${err.message}`),
  );
  const resolver = await createResolver({ config, catalog, log }).catch((err: Error) => fail(1, err.message));
  if (config.discovery.nats.url !== undefined) {
    // Liveness on NATS is heartbeats: listen long enough to hear every instance at least once.
    // (The resolver trusts NATS silence only after two heartbeat periods; wait a little past that.)
    await Bun.sleep(flags.waitMs ?? 2 * config.discovery.nats.heartbeat_interval + 100);
  }
  const instances = await resolver.live();
  const status = resolver.status();
  await resolver.close();
  await catalog.close();
  if (status.catalog === "down" && status.nats !== "ok") fail(1, "the catalog is unreachable and NATS is not available");
  if (status.degraded) process.stderr.write(`topology: degraded view (catalog ${status.catalog}, nats ${status.nats})\n`);

  const rows = topologyRows(instances);
  if (flags.json) {
    process.stdout.write(JSON.stringify(rows) + "\n");
  } else if (rows.length === 0) {
    process.stdout.write("no live instances\n");
  } else {
    process.stdout.write(formatTopologyTable(rows) + "\n");
  }
}

await main();
