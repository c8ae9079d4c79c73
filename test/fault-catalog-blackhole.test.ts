/**
 * A catalog link that silently drops bytes (a dead route, a firewall: nothing refused,
 * nothing answered) for 45 s, in front of the real PostgreSQL, under a running monolith.
 * During the outage: error bodies say the catalog is unavailable without leaking internal
 * SQL, `/api/v1/topology` answers from the last good view (flagged), and writer and
 * acceptor `/ready` say degraded. After the heal: queries answer again within 30 s, without
 * a restart (connections stuck on the dead link are recycled, not waited on forever).
 */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from "bun:test";
import { FlightClient } from "../shared/flight/index.ts";
import { createFreshPgDatabase, type FreshPgDatabase } from "./helpers/catalog-pg.ts";
import { roleEnv, startRoleProcess, tempDir, type RoleProcess } from "./helpers/role-process.ts";
import { startTcpProxy, type TcpProxy } from "./helpers/tcp-proxy.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const BLACKHOLE_MS = 45_000;
const RECOVERY_MS = 30_000;

let database: FreshPgDatabase;
let proxy: TcpProxy;
let cluster: RoleProcess;

beforeAll(async () => {
  database = await createFreshPgDatabase("sb_blackhole");
  proxy = startTcpProxy({ host: "127.0.0.1", port: 5432 });
  cluster = await startRoleProcess(
    "monolith",
    roleEnv({
      SIGNALBOX_STORAGE_PATH: tempDir("blackhole"),
      SIGNALBOX_DISCOVERY_CATALOG_DSN: `postgres://postgres@127.0.0.1:${proxy.port}/${database.name}`,
      SIGNALBOX_DISCOVERY_HEARTBEAT_INTERVAL: "1s",
      SIGNALBOX_WRITER_FLUSH_INTERVAL: "1h",
      SIGNALBOX_QUERY_TIMEOUT: "10s",
    }),
    { timeoutMs: 60_000 },
  );
}, 90_000);

afterAll(async () => {
  await cluster?.kill();
  proxy?.close();
  await database?.drop();
});

const router = () => `http://${cluster.addresses["router.http"]}`;

async function sqlCount(): Promise<{ status: number; body: any }> {
  const response = await fetch(`${router()}/api/v1/sql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sql: "select count(*) as n from traces" }),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: response.status, body: await response.json() };
}

async function ready(address: string | undefined): Promise<{ degraded?: boolean }> {
  return (await fetch(`http://${address}/ready`, { signal: AbortSignal.timeout(5_000) })).json() as never;
}

const traceBody = (traceId: string) =>
  JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "blackhole" } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId,
                spanId: traceId.slice(0, 16),
                name: "op",
                startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
                endTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n + 1000n),
              },
            ],
          },
        ],
      },
    ],
  });

test("a 45 s blackhole in front of PostgreSQL: clean errors meanwhile, queries back within 30 s of the heal", async () => {
  const traceId = crypto.randomUUID().replaceAll("-", "");
  const sent = await fetch(`http://${cluster.addresses["acceptor.http"]}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: traceBody(traceId),
  });
  expect(sent.status).toBe(200);
  await new FlightClient(cluster.addresses["writer.flight"]!).action("flush", {});
  expect((await sqlCount()).body.rows).toEqual([[1]]);

  proxy.blackhole();
  const holeStarted = Date.now();
  // Queries started into the hole, as clients keep sending them.
  const during: Array<{ status: number; body: any }> = [];
  let topology: { status: number; body: any } | undefined;
  let writerDegraded = false;
  let acceptorDegraded = false;
  while (Date.now() - holeStarted < BLACKHOLE_MS) {
    const [query, topo, writer, acceptor] = await Promise.all([
      sqlCount().catch((err: Error) => ({ status: 0, body: { error: err.message } })),
      fetch(`${router()}/api/v1/topology`, { signal: AbortSignal.timeout(20_000) }).then(async (r) => ({ status: r.status, body: await r.json() })),
      ready(cluster.addresses["writer.http"]),
      ready(cluster.addresses["acceptor.http"]),
    ]);
    during.push(query);
    topology = topo;
    writerDegraded ||= writer.degraded === true;
    acceptorDegraded ||= acceptor.degraded === true;
    await Bun.sleep(1_000);
  }
  proxy.heal();
  const healed = Date.now();

  for (const failure of during.filter((d) => d.status !== 200)) {
    expect([503, 504]).toContain(failure.status);
    expect(failure.body.error).not.toMatch(/select|insert|update|"data_files"|params:/i);
  }
  expect(topology?.status).toBe(200);
  expect(topology?.body.stale).toBe(true);
  expect(writerDegraded).toBe(true);
  expect(acceptorDegraded).toBe(true);

  let recovered: number | undefined;
  while (Date.now() - healed < RECOVERY_MS + 10_000) {
    const query = await sqlCount().catch(() => undefined);
    if (query?.status === 200) {
      recovered = Date.now() - healed;
      expect(query.body.rows).toEqual([[1]]);
      break;
    }
    await Bun.sleep(500);
  }
  console.log(`catalog blackhole: queries answered again ${recovered} ms after the heal`);
  expect(recovered).toBeDefined();
  expect(recovered!).toBeLessThan(RECOVERY_MS);
}, 180_000);
