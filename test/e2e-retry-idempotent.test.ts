/**
 * An exporter that retries an export it got no answer for sends the same bytes again. The
 * batch id comes from the request, so the retry is stored once — before and after a flush.
 */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { FlightClient } from "../shared/flight/index.ts";
import { randomTracePayload } from "./helpers/otlp-json.ts";
import { roleEnv, startRoleProcess, tempDir, type RoleProcess } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

let cluster: RoleProcess;

beforeAll(async () => {
  cluster = await startRoleProcess("monolith", roleEnv({ SIGNALBOX_STORAGE_PATH: join(tempDir("retry"), "data"), SIGNALBOX_WRITER_FLUSH_INTERVAL: "1h" }));
});

afterAll(async () => {
  await cluster?.kill();
});

async function post(body: string): Promise<number> {
  const response = await fetch(`http://${cluster.addresses["acceptor.http"]}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

async function countSpans(): Promise<number> {
  const response = await fetch(`http://${cluster.addresses["router.http"]}/api/v1/sql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sql: "select count(*) from traces" }),
  });
  return ((await response.json()) as { rows: number[][] }).rows[0]![0]!;
}

test("the same export sent twice is stored once, live and after a flush, and again after the flush", async () => {
  const { body } = randomTracePayload(10);
  expect(await post(body)).toBe(200);
  expect(await post(body)).toBe(200);
  expect(await countSpans()).toBe(10);
  await new FlightClient(cluster.addresses["writer.flight"]!).action("flush", {});
  expect(await countSpans()).toBe(10);
  expect(await post(body)).toBe(200);
  expect(await countSpans()).toBe(10);
  await new FlightClient(cluster.addresses["writer.flight"]!).action("flush", {});
  expect(await countSpans()).toBe(10);
});
