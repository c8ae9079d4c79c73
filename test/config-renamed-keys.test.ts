/**
 * A key's old name (kept when keys moved to neutral sections) still configures a running
 * process, and the process says once, at start, which name to use instead.
 */
import { expect, test, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { roleEnv, startRoleProcess, tempDir } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

test("an old key name works and logs one config.key_renamed line naming the new key", async () => {
  const dir = tempDir("renamed-keys");
  const proc = await startRoleProcess(
    "monolith",
    roleEnv({ SIGNALBOX_STORAGE_PATH: join(dir, "data"), SIGNALBOX_ROUTER_QUERY_TIMEOUT: "7s" }),
  );
  try {
    const renamed = proc.lines.filter((l) => l.event === "config.key_renamed");
    expect(renamed).toHaveLength(1);
    expect(renamed[0]).toMatchObject({ level: "warn", key: "router.query_timeout", use_instead: "query.timeout", source: "environment" });
  } finally {
    expect(await proc.stop()).toBe(0);
  }
}, 60_000);
