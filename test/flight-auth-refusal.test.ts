/**
 * Secure by default: with bearer tokens configured and no cluster secret, the Flight ports
 * (which check only the secret) would serve every org to anyone, so every role refuses to
 * start — each in its own process, as an operator runs it. With the secret set, the same
 * configuration starts and its Flight ports refuse a caller without the secret.
 */
import { afterAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { FlightClient } from "../shared/flight/index.ts";
import { REPO_ROOT, roleEnv, startRoleProcess, tempDir, type RoleProcess } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const TOKENS = JSON.stringify([{ token: "acme-token-123", org: "acme", scopes: ["ingest", "query", "admin"] }]);

const ENTRIES = {
  acceptor: ["services/acceptor/index.ts"],
  writer: ["services/writer/index.ts"],
  router: ["services/router/index.ts"],
  querier: ["services/querier/index.ts"],
  monolith: ["services/monolith.ts"],
  "all-in-one cli, writer": ["services/cli.ts", "writer"],
} as const;

describe("auth.tokens without cluster.secret", () => {
  for (const [name, entry] of Object.entries(ENTRIES)) {
    test(`${name}: exit 2 with one line saying why, before opening a port`, async () => {
      const proc = Bun.spawn(["bun", "run", ...entry], {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          ...roleEnv({ SIGNALBOX_STORAGE_PATH: tempDir("flight-auth"), SIGNALBOX_AUTH_TOKENS: TOKENS }),
          SIGNALBOX_CLUSTER_SECRET: "",
          SIGNALBOX_DISCOVERY_CATALOG_DSN: "postgres://postgres@127.0.0.1:5432/postgres",
        },
        stdout: "pipe",
        stderr: "pipe",
      });
      const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
      expect(code).toBe(2);
      const lines = stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain("auth.tokens is set but cluster.secret is not");
      expect(lines[0]).toContain("SIGNALBOX_CLUSTER_SECRET");
    }, 30_000);
  }
});

describe("auth.tokens with cluster.secret", () => {
  let cluster: RoleProcess | undefined;
  afterAll(async () => {
    await cluster?.kill();
  });

  test("starts, and every Flight port refuses a call without the secret", async () => {
    const secret = `secret-${crypto.randomUUID()}`;
    cluster = await startRoleProcess(
      "monolith",
      roleEnv({ SIGNALBOX_STORAGE_PATH: tempDir("flight-auth"), SIGNALBOX_AUTH_TOKENS: TOKENS, SIGNALBOX_CLUSTER_SECRET: secret }),
    );
    for (const port of ["writer.flight", "router.flight", "querier.flight"]) {
      const address = cluster.addresses[port];
      expect(address).toBeDefined();
      const intruder = new FlightClient(address!);
      const refused = await intruder.action("health", {}).then(
        () => "accepted",
        (err: { code?: number }) => err.code,
      );
      intruder.close();
      expect(refused).toBe(16); // UNAUTHENTICATED
      const member = new FlightClient(address!, { secret });
      await expect(member.listActions()).resolves.toBeDefined();
      member.close();
    }
  }, 60_000);
});
