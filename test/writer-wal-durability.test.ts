/**
 * WAL durability across real process deaths: a child appends and prints each batch id only
 * after its append resolved; we kill -9 it at random moments (including during start-up and
 * recovery), restart it, and finally replay: every acknowledged, unreleased batch is there
 * exactly once, no batch appears twice, and recovery never reports corruption.
 */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../shared/log/index.ts";
import { WriteAheadLog } from "../services/writer/wal/index.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const APPENDER = join(import.meta.dir, "helpers", "wal-appender.ts");
const ROUNDS = 12;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sbx-wal-kill-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** `killAfterMs` counts from spawn when `afterReady` is false, else from the child's "ready". */
async function runAndKill(prefix: string, killAfterMs: number, afterReady: boolean, acked: Set<string>, released: Set<string>) {
  const child = Bun.spawn([process.execPath, APPENDER, dir, prefix, "8", String(256 * 1024)], {
    stdout: "pipe",
    stderr: "pipe",
  });
  let onReady = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buf = "";
    for await (const chunk of child.stdout) {
      buf += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const [kind, ...ids] = buf.slice(0, nl).split(" ");
        buf = buf.slice(nl + 1);
        if (kind === "ready") onReady();
        if (kind === "ack") acked.add(ids[0]);
        if (kind === "rel") for (const id of ids) released.add(id);
      }
    }
  })();
  const stderr = new Response(child.stderr).text();
  if (afterReady) {
    const timedOut = await Promise.race([ready.then(() => false), Bun.sleep(10_000).then(() => true)]);
    expect(timedOut).toBe(false);
  }
  await Bun.sleep(killAfterMs);
  child.kill("SIGKILL");
  const code = await child.exited;
  await reading;
  const errText = await stderr;
  // A kill is the only way the child may end; anything it logged at error level is a bug.
  expect(code === 137 || child.signalCode === "SIGKILL").toBe(true);
  expect(errText).not.toContain('"level":"error"');
}

test(`kill -9 at random moments (${ROUNDS} times): every acknowledged batch replays exactly once`, async () => {
  const acked = new Set<string>();
  const released = new Set<string>();
  for (let round = 0; round < ROUNDS; round++) {
    // Every third kill lands anywhere in start-up and recovery; the others mid-append.
    const early = round % 3 === 0;
    const delay = early ? Math.floor(Math.random() * 200) : 20 + Math.floor(Math.random() * 300);
    await runAndKill(`r${round}`, delay, !early, acked, released);
  }
  expect(acked.size).toBeGreaterThan(50);

  const lines: { level: string; event: string }[] = [];
  const wal = await WriteAheadLog.open(dir, { log: createLogger({ level: "debug", sink: (l) => lines.push(JSON.parse(l)) }) });
  const seen = new Map<string, number>();
  for await (const e of wal.replay()) {
    seen.set(e.batchId, (seen.get(e.batchId) ?? 0) + 1);
    expect(e.batch.numRows).toBe(10);
  }
  await wal.close();

  const missing = [...acked].filter((id) => !released.has(id) && seen.get(id) !== 1);
  expect(missing).toEqual([]);
  expect([...seen.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  expect(lines.filter((l) => l.level === "error")).toEqual([]);
  console.log(
    `wal kill test: ${ROUNDS} kills, ${acked.size} acknowledged, ${released.size} released, ${seen.size} replayed, ` +
      `torn tails cut: ${lines.filter((l) => l.event === "wal.recovery.torn_tail").length}`,
  );
}, 30_000);
