/** Spawns test/helpers/flight-echo-server.ts in another process and waits for its address line. */
import { resolve } from "node:path";

export interface EchoServerProcess {
  address: string;
  pid: number;
  proc: ReturnType<typeof Bun.spawn>;
  /** SIGKILL: the peer vanishes without a goodbye. */
  kill(): Promise<void>;
  /** SIGTERM: graceful close. */
  stop(): Promise<void>;
}

const SCRIPT = resolve(import.meta.dir, "flight-echo-server.ts");

export async function spawnFlightEchoServer(env: { secret?: string } = {}, timeoutMs = 15_000): Promise<EchoServerProcess> {
  const proc = Bun.spawn([process.execPath, SCRIPT], {
    env: { ...process.env, FLIGHT_SECRET: env.secret ?? "" },
    stdout: "pipe",
    stderr: "inherit",
  });
  const line = await firstLine(proc.stdout as ReadableStream<Uint8Array>, timeoutMs).catch((err) => {
    proc.kill("SIGKILL");
    throw err;
  });
  const { address, pid } = JSON.parse(line) as { address: string; pid: number };
  return {
    address,
    pid,
    proc,
    kill: async () => {
      proc.kill("SIGKILL");
      await proc.exited;
    },
    stop: async () => {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

async function firstLine(stream: ReadableStream<Uint8Array>, timeoutMs: number): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const timeout = setTimeout(() => void reader.cancel(new Error("timeout")), timeoutMs);
  try {
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`flight echo server exited or timed out before printing its address (got ${JSON.stringify(text)})`);
      text += decoder.decode(value, { stream: true });
    }
    return text.slice(0, text.indexOf("\n"));
  } finally {
    clearTimeout(timeout);
    reader.releaseLock();
  }
}
