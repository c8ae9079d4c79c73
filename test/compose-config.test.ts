/**
 * compose.yaml against the code, so the file cannot drift (docker is not needed: the file is
 * parsed, and every Signalbox service's command and environment go through the same checks
 * the roles run at start). The checker is also fed broken copies to prove it notices.
 */
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { CONFIG_KEYS, ConfigError, loadConfig, type Config } from "../shared/config/index.ts";
import { assertCanDiscoverPeers } from "../shared/discovery/index.ts";
import { ROLE_NAMES, type RoleName } from "../shared/lifecycle/index.ts";
import { REPO_ROOT } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

type Json = Record<string, any>;

const DSN_KEY = "SIGNALBOX_DISCOVERY_CATALOG_DSN";
const NATS_KEY = "SIGNALBOX_DISCOVERY_NATS_URL";
const ENV_KEYS = new Set(CONFIG_KEYS.map((k) => k.env));
const INFRA_IMAGES = /^(postgres|nats)(:|$)/;

function loadCompose(): Json {
  // Merge keys (`<<: *anchor`) are YAML 1.1; Compose resolves them, so must we.
  return parse(readFileSync(join(REPO_ROOT, "compose.yaml"), "utf8"), { merge: true }) as Json;
}

/** The roles a command starts, and the flags it passes; undefined when it is no entrypoint. */
function parseCommand(command: unknown): { roles: RoleName[]; monolith: boolean; flags: string[] } | undefined {
  const argv = typeof command === "string" ? command.split(/\s+/).filter(Boolean) : Array.isArray(command) ? command.map(String) : [];
  if (argv[0] === "bun" && argv[1] === "run") {
    const target = argv[2] ?? "";
    const flags = argv.slice(3);
    if (target === "start" || target === "services/monolith.ts") return { roles: [...ROLE_NAMES], monolith: true, flags };
    const match = /^services\/([a-z]+)(\/index\.ts)?$/.exec(target);
    const role = match?.[1];
    if (!role || !(ROLE_NAMES as readonly string[]).includes(role)) return undefined;
    if (!existsSync(join(REPO_ROOT, "services", role, "index.ts"))) return undefined;
    return { roles: [role as RoleName], monolith: false, flags };
  }
  // The compiled binaries (services/build.ts), wherever they are mounted.
  const binary = /(?:^|\/)signalbox(?:-([a-z]+))?$/.exec(argv[0] ?? "");
  if (!binary) return undefined;
  if (binary[1]) {
    if (!(ROLE_NAMES as readonly string[]).includes(binary[1])) return undefined;
    return { roles: [binary[1] as RoleName], monolith: false, flags: argv.slice(1) };
  }
  const first = argv[1];
  if (first && !first.startsWith("-")) {
    if (!(ROLE_NAMES as readonly string[]).includes(first)) return undefined;
    return { roles: [first as RoleName], monolith: false, flags: argv.slice(2) };
  }
  return { roles: [...ROLE_NAMES], monolith: true, flags: argv.slice(1) };
}

function environmentOf(service: Json): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((line: string) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

/** `HOST:PORT`, `PORT:PORT` or `IP:HOST:CONTAINER` → the container port. */
function containerPorts(service: Json): number[] {
  return (service.ports ?? []).map((p: string | number) => Number(String(p).split("/")[0]!.split(":").at(-1)));
}

/** Ports a role's configuration makes it listen on. */
function listeningPorts(role: RoleName, config: Config): number[] {
  switch (role) {
    case "acceptor":
      return [config.acceptor.grpc_port, config.acceptor.http_port];
    case "writer":
      return [config.writer.flight_port, config.writer.http_port];
    case "router":
      return [config.router.http_port, config.router.grpc_port, config.router.flight_port];
    case "querier":
      return [config.querier.flight_port, config.querier.http_port];
  }
}

function mentionsHost(value: string, host: string): boolean {
  const escaped = host.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[/@,\\s])${escaped}(:\\d+)?([/,\\s?]|$)`).test(value);
}

interface CheckedService {
  name: string;
  roles: RoleName[];
  config: Config;
  volumes: string[];
}

/** Every way compose.yaml can disagree with the code; empty when it agrees. */
async function composeProblems(doc: Json): Promise<{ problems: string[]; services: CheckedService[] }> {
  const problems: string[] = [];
  const checked: CheckedService[] = [];
  const services: Record<string, Json> = doc.services ?? {};
  const names = Object.keys(services);
  const infra = names.filter((n) => INFRA_IMAGES.test(String(services[n]!.image ?? "")));
  const postgres = infra.find((n) => String(services[n]!.image).startsWith("postgres"));
  const nats = infra.find((n) => String(services[n]!.image).startsWith("nats"));
  if (!postgres) problems.push("no PostgreSQL service");
  if (!nats) problems.push("no NATS service");
  else if (!String(services[nats]!.command ?? "").split(/[\s,]+/).includes("-js")) problems.push(`${nats}: NATS must run with -js (JetStream KV)`);

  for (const name of names.filter((n) => !infra.includes(n))) {
    const service = services[name]!;
    const command = parseCommand(service.command);
    if (!command) {
      problems.push(`${name}: command ${JSON.stringify(service.command)} is not a Signalbox entrypoint`);
      continue;
    }
    const env = environmentOf(service);
    for (const key of Object.keys(env)) {
      if (key.startsWith("SIGNALBOX_") && !ENV_KEYS.has(key)) problems.push(`${name}: ${key} is not a configuration key`);
    }
    let config: Config;
    try {
      config = await loadConfig({ env, argv: command.flags });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const problem of err.problems) problems.push(`${name}: invalid configuration: ${problem}`);
      continue;
    }
    const refusal = assertCanDiscoverPeers(config, { monolith: command.monolith });
    if (refusal) problems.push(`${name}: ${refusal}`);

    // Only the catalog and NATS may be named; roles find each other through discovery.
    for (const [key, value] of Object.entries(env)) {
      for (const other of names.filter((n) => n !== name)) {
        if (!mentionsHost(value, other)) continue;
        const allowed = (key === DSN_KEY && other === postgres) || (key === NATS_KEY && other === nats);
        if (!allowed) problems.push(`${name}: ${key} names the address of ${other}; only the catalog DSN and the NATS URL may name a service`);
      }
    }
    if (postgres && !mentionsHost(config.discovery.catalog.dsn, postgres)) problems.push(`${name}: the catalog DSN does not point at ${postgres}`);
    if (nats && (!config.discovery.nats.url || !mentionsHost(config.discovery.nats.url, nats))) {
      problems.push(`${name}: discovery.nats.url does not point at ${nats}`);
    }
    // Roles register server.host:port, so it must be a name the other containers resolve.
    if (config.server.host !== name) {
      problems.push(`${name}: server.host is ${config.server.host}; it must be the service's own name, which the role registers in discovery`);
    }
    const listening = command.roles.flatMap((role) => listeningPorts(role, config));
    for (const port of containerPorts(service)) {
      if (!listening.includes(port)) problems.push(`${name}: publishes container port ${port}, but the configuration listens on ${listening.join(", ")}`);
    }
    checked.push({ name, roles: command.roles, config, volumes: (service.volumes ?? []).map(String) });
  }

  const writers = checked.filter((s) => s.roles.includes("writer"));
  const writerNames = writers.map((w) => w.config.writer.name);
  if (new Set(writerNames).size !== writerNames.length) problems.push(`writers share a name (${writerNames.join(", ")}): each needs its own SIGNALBOX_WRITER_NAME`);
  // Writers flush Parquet where queriers read it: one storage path on one shared volume.
  const storing = checked.filter((s) => s.roles.includes("writer") || s.roles.includes("querier"));
  for (const s of storing) {
    const mount = s.volumes.find((v) => v.split(":")[1] === s.config.storage.path);
    if (!s.config.storage.url && !mount) problems.push(`${s.name}: storage.path ${s.config.storage.path} is not a mounted volume`);
  }
  const mounts = new Set(storing.map((s) => s.volumes.find((v) => v.split(":")[1] === s.config.storage.path) ?? s.config.storage.url));
  if (mounts.size > 1) problems.push(`writers and queriers do not share one storage location: ${[...mounts].join(", ")}`);
  return { problems, services: checked };
}

describe("compose.yaml", () => {
  test("agrees with the code: commands, configuration keys, discovery-only addressing", async () => {
    const { problems } = await composeProblems(loadCompose());
    expect(problems).toEqual([]);
  });

  test("runs PostgreSQL, NATS with JetStream, two writers, two queriers, a router and an acceptor", async () => {
    const { services } = await composeProblems(loadCompose());
    const count = (role: RoleName) => services.filter((s) => s.roles.length === 1 && s.roles[0] === role).length;
    expect({ writer: count("writer"), querier: count("querier"), router: count("router"), acceptor: count("acceptor") }).toEqual({
      writer: 2,
      querier: 2,
      router: 1,
      acceptor: 1,
    });
    const doc = loadCompose();
    const pg = doc.services.postgres;
    // The DSN's credentials and database are the ones the PostgreSQL container creates.
    const dsn = new URL(services[0]!.config.discovery.catalog.dsn);
    expect(decodeURIComponent(dsn.password)).toBe(pg.environment.POSTGRES_PASSWORD);
    expect(dsn.pathname.slice(1)).toBe(pg.environment.POSTGRES_DB);
  });

  test("the check notices drift", async () => {
    const broken = async (mutate: (doc: Json) => void) => {
      const doc = loadCompose();
      mutate(doc);
      return (await composeProblems(doc)).problems.join("\n");
    };
    expect(await broken((d) => (d.services["writer-1"].command = ["bun", "run", "services/scheduler"]))).toContain("not a Signalbox entrypoint");
    expect(await broken((d) => (d.services["writer-1"].environment.SIGNALBOX_WRITER_FLUSH_EVERY = "1s"))).toContain(
      "SIGNALBOX_WRITER_FLUSH_EVERY is not a configuration key",
    );
    expect(await broken((d) => (d.services["router"].environment.SIGNALBOX_QUERY_TIMEOUT = "soon"))).toContain(
      "router: invalid configuration: query.timeout",
    );
    expect(await broken((d) => (d.services["writer-2"].environment.SIGNALBOX_WRITER_NAME = "writer-1"))).toContain("writers share a name");
    expect(await broken((d) => (d.services["acceptor"].environment.SIGNALBOX_SERVER_ADVERTISE_HOST = "writer-1"))).toContain(
      "names the address of writer-1",
    );
    expect(await broken((d) => (d.services["router"].ports = ["3000:3100"]))).toContain("publishes container port 3100");
    expect(
      await broken((d) => {
        delete d.services["querier-1"].environment[DSN_KEY];
        delete d.services["querier-1"].environment[NATS_KEY];
      }),
    ).toContain("cannot discover peers");
    expect(await broken((d) => (d.services["querier-2"].environment.SIGNALBOX_SERVER_HOST = "0.0.0.0"))).toContain("server.host is 0.0.0.0");
  });

  test("the command parser knows every entrypoint form", () => {
    expect(parseCommand(["bun", "run", "services/writer"])).toEqual({ roles: ["writer"], monolith: false, flags: [] });
    expect(parseCommand("bun run services/querier/index.ts --querier.flight_port=1")?.flags).toEqual(["--querier.flight_port=1"]);
    expect(parseCommand(["bun", "run", "start"])?.monolith).toBe(true);
    expect(parseCommand(["/opt/signalbox/signalbox-router"])?.roles).toEqual(["router"]);
    expect(parseCommand(["signalbox", "acceptor"])?.roles).toEqual(["acceptor"]);
    expect(parseCommand(["signalbox"])?.monolith).toBe(true);
    expect(parseCommand(["signalbox", "gateway"])).toBeUndefined();
    expect(parseCommand(["bun", "run", "services/build.ts"])).toBeUndefined();
  });
});
