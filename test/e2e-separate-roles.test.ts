/**
 * The whole system as an operator runs it: each role in its own process, sharing a SQLite
 * catalog file — or PostgreSQL with NATS — a trace sent through the real OpenTelemetry exporter and read back from the
 * Tempo API — before any flush, after a flush, and after the writer restarts.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { FlightClient } from "../shared/flight/index.ts";
import { canonicalTrace } from "./helpers/otlp-compare.ts";
import { sendTrace } from "./helpers/otel-trace.ts";
import { createFreshPgDatabase } from "./helpers/catalog-pg.ts";
import { REPO_ROOT, roleEnv, startRoleProcess, tempDir, type RoleProcess } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

function describeCluster(
  name: string,
  detectWithinMs: number,
  discoveryEnv: () => Promise<{ env: Record<string, string>; cleanup(): Promise<void> }>,
) {
  describe(name, () => {
    const dir = tempDir("e2e");
    const roles: Record<string, RoleProcess> = {};
    let env: Record<string, string>;
    let cleanup = async () => {};
    let sent: Awaited<ReturnType<typeof sendTrace>>;

    const writersSeen = async () => {
      const topology = (await (await fetch(`http://${roles.router!.addresses.http}/api/v1/topology`)).json()) as { instances: Array<{ role: string }> };
      return topology.instances.filter((i) => i.role === "writer").length;
    };

    const getTrace = async (traceId: string) => {
      const response = await fetch(`http://${roles.router!.addresses.http}/api/v2/traces/${traceId}`);
      const body = (await response.json()) as { trace?: { resourceSpans: Array<Record<string, any>> } };
      return { status: response.status, body };
    };

    beforeAll(async () => {
      const discovery = await discoveryEnv();
      cleanup = discovery.cleanup;
      env = roleEnv({ ...discovery.env, SIGNALBOX_STORAGE_PATH: join(dir, "data"), SIGNALBOX_WRITER_FLUSH_INTERVAL: "1h" });
      roles.writer = await startRoleProcess("writer", env);
      roles.querier = await startRoleProcess("querier", env);
      roles.router = await startRoleProcess("router", env);
      roles.acceptor = await startRoleProcess("acceptor", env);
    }, 60_000);

    afterAll(async () => {
      for (const role of Object.values(roles)) await role.kill();
      await cleanup();
    });

    test("all four roles appear in `bun run topology --json` within 1 s of the last one starting", async () => {
      // Asked right after the last role reported started: nothing may be missing yet.
      const lastStarted = Math.max(...Object.values(roles).map((r) => Date.parse(String(r.lines.find((l) => l.event === `${r.role}.started`)?.ts))));
      expect(Date.now() - lastStarted).toBeLessThan(1_000);
      const proc = Bun.spawn(["bun", "run", "topology", "--json"], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
      const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
      expect(code).toBe(0);
      const rows = JSON.parse(out) as Array<{ id: string; role: string; address: string; sources: string[] }>;
      expect(rows.map((r) => r.role).sort()).toEqual(["acceptor", "querier", "router", "writer"]);
    });

    test("a trace is readable as soon as its export resolves, identical to what was sent", async () => {
      sent = await sendTrace(roles.acceptor!.addresses.http!);
      const { status, body } = await getTrace(sent.traceId);
      expect(status).toBe(200);
      expect(canonicalTrace(body.trace!)).toHaveLength(2);
      expect(canonicalTrace(body.trace!)).toEqual(canonicalTrace(sent.sent));
    });

    test("the same after a flush to Parquet", async () => {
      const flushed = (await new FlightClient(roles.writer!.addresses.flight!).action("flush", {})) as { files: unknown[] };
      expect(flushed.files.length).toBeGreaterThan(0);
      const { body } = await getTrace(sent.traceId);
      expect(canonicalTrace(body.trace!)).toEqual(canonicalTrace(sent.sent));
    });

    test("every role serves /metrics with its series, and /healthz and /ready", async () => {
      const expected: Record<string, string[]> = {
        writer: ["signalbox_writer_wal_fsync_seconds", "signalbox_writer_flush_seconds", "signalbox_writer_live_rows", "signalbox_flight_server_call_seconds", "signalbox_shard_map_epoch"],
        querier: ["signalbox_querier_query_seconds", "signalbox_flight_client_call_seconds", "signalbox_discovery_live_instances"],
        router: ["signalbox_flight_client_call_seconds", "signalbox_discovery_degraded"],
        acceptor: ["signalbox_acceptor_rows_total", "signalbox_flight_client_call_seconds", "signalbox_discovery_live_instances"],
      };
      for (const [role, series] of Object.entries(expected)) {
        const http = roles[role]!.addresses.http!;
        const text = await (await fetch(`http://${http}/metrics`)).text();
        for (const name of series) expect({ role, name, present: text.includes(name) }).toEqual({ role, name, present: true });
        expect((await fetch(`http://${http}/healthz`)).status).toBe(200);
        expect((await fetch(`http://${http}/ready`)).status).toBe(200);
      }
    });

    test("unflushed rows survive kill -9 of the writer (WAL replay), flushed ones stay", async () => {
      const second = await sendTrace(roles.acceptor!.addresses.http!, "payments");
      const killedAt = Date.now();
      await roles.writer!.kill();
      // Detected by the other roles' resolvers within the catalog ttl (3 × 250 ms), or 1 s with NATS.
      while ((await writersSeen()) > 0 && Date.now() - killedAt < 5_000) await Bun.sleep(20);
      expect(Date.now() - killedAt).toBeLessThan(detectWithinMs);
      roles.writer = await startRoleProcess("writer", env);
      // The querier learns the new writer through discovery.
      const deadline = Date.now() + 10_000;
      let latest = await getTrace(second.traceId);
      while (latest.status !== 200 && Date.now() < deadline) {
        await Bun.sleep(100);
        latest = await getTrace(second.traceId);
      }
      expect(latest.status).toBe(200);
      expect(canonicalTrace(latest.body.trace!)).toEqual(canonicalTrace(second.sent));
      expect(canonicalTrace((await getTrace(sent.traceId)).body.trace!)).toEqual(canonicalTrace(sent.sent));
    }, 30_000);

    test("an unknown trace id is 404 JSON", async () => {
      const { status, body } = await getTrace("00000000000000000000000000000001");
      expect(status).toBe(404);
      expect(body).toMatchObject({ status: 404 });
    });

    test("SIGTERM stops a role cleanly (exit 0) and it leaves the topology", async () => {
      const code = await roles.acceptor!.stop();
      expect(code).toBe(0);
      const topology = (await (await fetch(`http://${roles.router!.addresses.http}/api/v1/topology`)).json()) as {
        instances: Array<{ role: string }>;
      };
      expect(topology.instances.map((i) => i.role).sort()).toEqual(["querier", "router", "writer"]);
    });
  });
}

describeCluster("separate processes, SQLite catalog file", 3 * 250 + 250, async () => {
  const dir = tempDir("e2e-catalog");
  return { env: { SIGNALBOX_DISCOVERY_CATALOG_DSN: `sqlite:${join(dir, "catalog.db")}` }, cleanup: async () => {} };
});

describeCluster("separate processes, PostgreSQL catalog and NATS", 1_000 + 250, async () => {
  const db = await createFreshPgDatabase("sb_e2e");
  return {
    env: {
      SIGNALBOX_DISCOVERY_CATALOG_DSN: db.dsn,
      SIGNALBOX_DISCOVERY_NATS_URL: process.env.SIGNALBOX_TEST_NATS ?? "nats://127.0.0.1:4222",
      SIGNALBOX_DISCOVERY_NATS_KV_BUCKET: `sb_e2e_${crypto.randomUUID().slice(0, 8)}`,
      // Liveness from NATS heartbeats; the catalog ttl is deliberately long.
      SIGNALBOX_DISCOVERY_HEARTBEAT_INTERVAL: "5s",
    },
    cleanup: () => db.drop(),
  };
});
