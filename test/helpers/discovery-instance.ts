/**
 * A stand-in role instance for discovery tests and the bench:
 *   bun test/helpers/discovery-instance.ts <role>
 * Configured by SIGNALBOX_* environment variables. Listens on a free TCP port (so the
 * registered address is a real one), registers through startDiscovery, prints
 * `{"event":"ready","id",...}` as one JSON line on stdout, and deregisters on SIGTERM/SIGINT.
 * Refuses to start (exit 2) when it could never see its peers, like a real role.
 */
import { loadConfigOrExit } from "../../shared/config/index.ts";
import { openCatalog } from "../../shared/catalog/index.ts";
import { assertCanDiscoverPeers, startDiscovery } from "../../shared/discovery/index.ts";
import { createLogger } from "../../shared/log/index.ts";

const CAPABILITIES: Record<string, string[]> = {
  acceptor: ["ingest"],
  writer: ["storage", "live-query"],
  router: ["routing"],
  querier: ["query"],
};

const role = process.argv[2];
if (!role || !(role in CAPABILITIES)) {
  process.stderr.write(`usage: discovery-instance.ts <${Object.keys(CAPABILITIES).join("|")}>\n`);
  process.exit(2);
}
const config = await loadConfigOrExit({ argv: [] });
const problem = assertCanDiscoverPeers(config, { monolith: false });
if (problem) {
  process.stderr.write(`signalbox: ${problem}\n`);
  process.exit(2);
}
const log = createLogger({ level: config.log.level, format: config.log.format, bindings: { role } });
const listener = Bun.listen({ hostname: config.server.host, port: 0, socket: { data() {} } });
const address = `${config.server.host}:${listener.port}`;
const beginAt = Date.now();
const catalog = await openCatalog(config.discovery.catalog.dsn, { log });
const discovery = await startDiscovery({
  config,
  role,
  capabilities: CAPABILITIES[role]!,
  address,
  meta: { listeners: { tcp: address } },
  catalog,
  log,
});
process.stdout.write(
  JSON.stringify({ event: "ready", id: discovery.instance.id, role, address, beginAt, registeredAt: Date.now() }) + "\n",
);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await discovery.stop();
  await catalog.close();
  listener.stop(true);
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
