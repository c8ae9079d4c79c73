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
    SIGNALBOX_ROUTER_GRPC_PORT: "0",
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
  return startProcess(role, ["bun", "run", entry, ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    startedEvent: role === "monolith" ? "signalbox.started" : `${role}.started`,
    timeoutMs: options.timeoutMs,
  });
}

/**
 * Any Signalbox process (a `bun run` entrypoint or a compiled binary): spawn it, keep
 * draining its JSON log lines, and resolve with the addresses of its start line.
 */
export async function startProcess(
  role: string,
  command: string[],
  options: { cwd: string; env: Record<string, string | undefined>; startedEvent: string; timeoutMs?: number },
): Promise<RoleProcess> {
  const proc = Bun.spawn(command, { cwd: options.cwd, env: options.env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const startedEvent = options.startedEvent;
  const lines: Array<Record<string, unknown>> = [];
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
  const history = () => lines.map((l) => JSON.stringify(l)).join("\n");
  // Both the early-exit watch and the start timeout end with the race: a role that started
  // may later exit or outlive the timeout without anything firing.
  let settled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fields = await Promise.race([
    started,
    new Promise<never>((_, reject) => {
      void proc.exited.then((code) => {
        if (!settled) reject(new Error(`${role} exited with ${code} before starting:\n${history()}`));
      });
    }),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        proc.kill("SIGKILL");
        reject(new Error(`${role} did not start within ${timeoutMs} ms:\n${history()}`));
      }, timeoutMs);
    }),
  ]).finally(() => {
    settled = true;
    clearTimeout(timer);
  });
  const addresses: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) if (typeof v === "string" && /:\d+$/.test(v)) addresses[k] = v;
  if (startedEvent === "signalbox.started") Object.assign(addresses, flatten(fields.addresses));
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
