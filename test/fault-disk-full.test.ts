/**
 * Disk full on the writer's storage path (a real tmpfs, filled to the last page), in one
 * running monolith: writes are refused with 503 + Retry-After (retryable for OTLP exporters),
 * the writer's /ready says degraded and why; once space is freed the same process takes
 * writes again by itself — no restart — every acknowledged and every retried trace is read
 * back, and flushed WAL segments are gone from the disk.
 */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from "bun:test";
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { roleEnv, startRoleProcess, type RoleProcess } from "./helpers/role-process.ts";
import { mountTmpfs, type Tmpfs } from "./helpers/tmpfs.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

let disk: Tmpfs;
let cluster: RoleProcess;

beforeAll(async () => {
  disk = await mountTmpfs(48 * 1024 * 1024);
  cluster = await startRoleProcess(
    "monolith",
    roleEnv({
      SIGNALBOX_STORAGE_PATH: disk.path,
      SIGNALBOX_WRITER_FLUSH_INTERVAL: "500ms",
      SIGNALBOX_WRITE_TIMEOUT: "3s",
    }),
  );
}, 60_000);

afterAll(async () => {
  await cluster?.kill();
  await disk?.unmount();
}, 30_000);

function otlpTrace(traceId: string, service: string) {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId,
                spanId: traceId.slice(0, 16),
                name: "GET /disk",
                kind: 2,
                startTimeUnixNano: String(now),
                endTimeUnixNano: String(now + 1_000_000n),
                attributes: [{ key: "payload", value: { stringValue: "x".repeat(2_000) } }],
              },
            ],
          },
        ],
      },
    ],
  };
}

const newTraceId = () => crypto.randomUUID().replaceAll("-", "");

async function send(traceId: string): Promise<Response> {
  return fetch(`http://${cluster.addresses["acceptor.http"]}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(otlpTrace(traceId, "disk-full")),
  });
}

async function writerReady(): Promise<{ ready: boolean; degraded?: boolean; detail?: Record<string, unknown> }> {
  return (await fetch(`http://${cluster.addresses["writer.http"]}/ready`)).json() as never;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

function walBytes(): { segments: number; bytes: number } {
  const dir = join(disk.path, "wal", "default");
  const segments = readdirSync(dir).filter((f) => f.endsWith(".wal"));
  return { segments: segments.length, bytes: segments.reduce((n, f) => n + statSync(join(dir, f)).size, 0) };
}

test("full disk: 503 + Retry-After and degraded; space freed: recovers with nothing lost, no restart", async () => {
  const acknowledged: string[] = [];
  for (let i = 0; i < 5; i++) {
    const id = newTraceId();
    expect((await send(id)).status).toBe(200);
    acknowledged.push(id);
  }

  const filler = disk.fill();
  const refused: string[] = [];
  for (let i = 0; i < 3; i++) {
    const id = newTraceId();
    const response = await send(id);
    expect(response.status).toBe(503);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    refused.push(id);
  }
  const degraded = await writerReady();
  expect(degraded.degraded).toBe(true);
  expect(JSON.stringify(degraded.detail)).toMatch(/ENOSPC|no space/i);

  rmSync(filler);
  await waitFor("the writer to leave degraded", async () => ((await writerReady()).degraded ? undefined : true));
  // What exporters do with a 503: send the same data again.
  for (const id of refused) expect((await send(id)).status).toBe(200);
  for (let i = 0; i < 3; i++) {
    const id = newTraceId();
    expect((await send(id)).status).toBe(200);
    acknowledged.push(id);
  }

  for (const id of [...acknowledged, ...refused]) {
    const response = await fetch(`http://${cluster.addresses["router.http"]}/api/traces/${id}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { batches?: unknown[]; resourceSpans?: unknown[] };
    expect((body.batches ?? body.resourceSpans ?? []).length).toBeGreaterThan(0);
  }

  // Once everything is in Parquet, no WAL segment holding only flushed batches stays behind.
  await waitFor("the WAL to hold nothing flushed", async () => (walBytes().segments <= 1 && walBytes().bytes < 4096 ? true : undefined));
  expect(cluster.proc.exitCode).toBeNull();
}, 90_000);
