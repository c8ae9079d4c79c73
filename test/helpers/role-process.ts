/**
 * Runs a role as its own `bun run services/<role>` process, the way an operator does, and
 * waits for its `<role>.started` log line to learn the addresses it bound (port 0).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

export const REPO_ROOT = new URL("../..", import.meta.url).pathname;

export interface RoleProcess {
  role: string;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** Fields of the `<role>.started` line: http, flight, grpc addresses. */
  addresses: Record<string, string>;
  /** Every JSON log line seen so far. */
  lines: Array<Record<string, unknown>>;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

/** Environment for a role on port 0 everywhere, fast heartbeats and its own data folder. */
export function roleEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    SIGNALBOX_ACCEPTOR_GRPC_PORT: "0",
    SIGNALBOX_ACCEPTOR_HTTP_PORT: "0",
    SIGNALBOX_WRITER_FLIGHT_PORT: "0",
    SIGNALBOX_WRITER_HTTP_PORT: "0",
    SIGNALBOX_ROUTER_HTTP_PORT: "0",
    SIGNALBOX_ROUTER_FLIGHT_PORT: "0",
    SIGNALBOX_QUERIER_FLIGHT_PORT: "0",
    SIGNALBOX_QUERIER_HTTP_PORT: "0",
    SIGNALBOX_DISCOVERY_HEARTBEAT_INTERVAL: "250ms",
    SIGNALBOX_LOG_FORMAT: "json",
    ...extra,
  };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `sb-${prefix}-`));
}

export async function startRoleProcess(
  role: "acceptor" | "writer" | "router" | "querier" | "monolith",
  env: Record<string, string>,
  options: { timeoutMs?: number; args?: string[] } = {},
): Promise<RoleProcess> {
  const entry = role === "monolith" ? "services/monolith.ts" : `services/${role}/index.ts`;
  const proc = Bun.spawn(["bun", "run", entry, ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const lines: Array<Record<string, unknown>> = [];
  const startedEvent = role === "monolith" ? "signalbox.started" : `${role}.started`;
  let resolveStarted!: (fields: Record<string, unknown>) => void;
  const started = new Promise<Record<string, unknown>>((resolve) => (resolveStarted = resolve));
  let tail = "";
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) {
      tail += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = tail.indexOf("\n")) !== -1) {
        const line = tail.slice(0, newline);
        tail = tail.slice(newline + 1);
        if (process.env.SIGNALBOX_TEST_VERBOSE) process.stderr.write(`[${role}] ${line}\n`);
        try {
          const record = JSON.parse(line) as Record<string, unknown>;
          lines.push(record);
          if (record.event === startedEvent) resolveStarted(record);
        } catch {
          lines.push({ event: "non_json", text: line });
        }
      }
    }
  })();
  const timeoutMs = options.timeoutMs ?? 20_000;
  const fields = await Promise.race([
    started,
    proc.exited.then((code) => {
      throw new Error(`${role} exited with ${code} before starting:\n${lines.map((l) => JSON.stringify(l)).join("\n")}`);
    }),
    Bun.sleep(timeoutMs).then(() => {
      proc.kill("SIGKILL");
      throw new Error(`${role} did not start within ${timeoutMs} ms:\n${lines.map((l) => JSON.stringify(l)).join("\n")}`);
    }),
  ]);
  const addresses: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) if (typeof v === "string" && /:\d+$/.test(v)) addresses[k] = v;
  if (role === "monolith") Object.assign(addresses, flatten(fields.addresses));
  return {
    role,
    proc,
    addresses,
    lines,
    async stop() {
      proc.kill("SIGTERM");
      return await proc.exited;
    },
    async kill() {
      proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}

function flatten(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === "object") {
    for (const [role, addrs] of Object.entries(value as Record<string, Record<string, string>>)) {
      for (const [name, address] of Object.entries(addrs)) out[`${role}.${name}`] = address;
    }
  }
  return out;
}
