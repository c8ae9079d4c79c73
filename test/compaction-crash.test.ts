/**
 * kill -9 of the compacting process at random points, again and again: after each crash
 * the manifest holds every acknowledged row exactly once (the inputs or the output of an
 * interrupted compaction, never both, never neither), and after a restart and the grace
 * period no file the manifest does not know is left in storage.
 */
import { afterAll, expect, test, setDefaultTimeout } from "bun:test";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { openCatalog } from "../shared/catalog/index.ts";
import { openDuckDB } from "../shared/duckdb/index.ts";
import { createLogger } from "../shared/log/index.ts";
import { LocalBlobStore, parseParquetPath } from "../shared/storage/index.ts";
import { flushFile, rowsPerBatch, SCOPE } from "./helpers/compaction-fixtures.ts";
import { tempDir } from "./helpers/role-process.ts";
import { makeSpanBatch } from "./helpers/wal-batches.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const ROUNDS = 10;
const FILES_PER_ROUND = 8;
const HOUR_NS = 3_600_000_000_000n;
const T0 = 1_767_225_600_000_000_000n;
const CHILD = resolve(import.meta.dir, "helpers/compaction-child.ts");

const dir = tempDir("compaction-crash");
const root = join(dir, "data");
mkdirSync(join(root, ".scratch"), { recursive: true });
const dsn = `sqlite:${join(dir, "catalog.db")}`;
const catalog = await openCatalog(dsn, { log: createLogger({ level: "error", sink: () => {} }) });
const store = new LocalBlobStore(root);
const duck = await openDuckDB();

afterAll(async () => {
  duck.close();
  await catalog.close();
});

/** The child process, and a promise per line it prints (`compacting`, `done`). */
function runChild(graceMs: number) {
  const proc = Bun.spawn(["bun", "run", CHILD], {
    env: { ...process.env, COMPACTION_DSN: dsn, COMPACTION_ROOT: root, COMPACTION_GRACE_MS: String(graceMs) },
    stdout: "pipe",
    stderr: "inherit",
  });
  const seen = new Map<string, () => void>();
  const said = (line: string) => new Promise<void>((resolve) => seen.set(line, resolve));
  const compacting = said("compacting");
  const done = said("done");
  void (async () => {
    let text = "";
    for await (const chunk of proc.stdout) {
      text += new TextDecoder().decode(chunk);
      for (const line of text.split("\n")) seen.get(line)?.();
    }
  })();
  return { proc, compacting, done };
}

async function addRound(round: number, expected: Map<string, number>): Promise<void> {
  for (let i = 0; i < FILES_PER_ROUND; i++) {
    const batchId = `r${round}-b${i}`;
    const rows = 100 + i;
    const hour = BigInt(i % 2);
    const batch = makeSpanBatch({ batchId, rows, seed: round * 100 + i, baseTimeNs: T0 + hour * HOUR_NS + BigInt(round * 100 + i) * 1_000_000_000n });
    await flushFile({ catalog, store, db: duck.connection, scratchDir: join(root, ".scratch") }, "traces", [batch], [batchId], { createdAt: Date.now() });
    expected.set(batchId, rows);
  }
}

/** The manifest as a query reads it: every batch in exactly one recorded file, every row once. */
async function expectManifestExact(expected: Map<string, number>): Promise<void> {
  const files = await catalog.listDataFiles({ ...SCOPE, table: "traces" });
  const holders = new Map<string, number>();
  for (const f of files) for (const id of f.batchIds) holders.set(id, (holders.get(id) ?? 0) + 1);
  expect([...holders.values()].every((n) => n === 1)).toBe(true);
  expect(await rowsPerBatch(duck.connection, files.map((f) => store.localPath(f.path)!))).toEqual(expected);
}

test("kill -9 at random points of compaction: no row lost or doubled, no orphan after restart and grace", async () => {
  const expected = new Map<string, number>();
  // How long an uninterrupted run takes here, so the kills fall inside one.
  await addRound(0, expected);
  const calibration = runChild(60_000);
  await calibration.compacting;
  const started = performance.now();
  await calibration.done;
  const runMs = performance.now() - started;
  expect(await calibration.proc.exited).toBe(0);
  await expectManifestExact(expected);

  const killedAt: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    await addRound(round, expected);
    const child = runChild(60_000);
    await Promise.race([child.compacting, child.proc.exited]);
    const delay = Math.random() * runMs;
    let finished = false;
    void child.done.then(() => (finished = true));
    await Promise.race([Bun.sleep(delay), child.proc.exited]);
    child.proc.kill("SIGKILL");
    await child.proc.exited;
    if (!finished) killedAt.push(Math.round(delay));
    await expectManifestExact(expected);
  }

  // Restart once the grace has passed (0 here): rebuild, compaction, deletion, orphan sweep.
  expect(await runChild(0).proc.exited).toBe(0);
  await expectManifestExact(expected);
  const recorded = new Set((await catalog.listDataFiles({ ...SCOPE, table: "traces" })).map((f) => f.path));
  const stored = (await store.list("")).map((b) => b.key).filter((key) => {
    try {
      parseParquetPath(key);
      return true;
    } catch {
      return false;
    }
  });
  expect(new Set(stored)).toEqual(recorded);
  expect(recorded.size).toBe(2);
  expect(await catalog.retiredFiles(Number.MAX_SAFE_INTEGER)).toEqual([]);
  // Most kills landed mid-compaction (a loaded machine may let a few runs finish first).
  expect(killedAt.length).toBeGreaterThanOrEqual(ROUNDS / 2);
}, 240_000);
