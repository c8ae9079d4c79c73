import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, type Logger } from "../../../shared/log/index.ts";
import { batchRows, makeGenericBatch, makeSpanBatch } from "../../../test/helpers/wal-batches.ts";
import { crc32 } from "./index.ts";
import { crc32Table } from "./crc32.ts";
import { WalClosedError, WalLockedError, WriteAheadLog, type WalEntry } from "./index.ts";
import { listSegments } from "./segment.ts";

let dir: string;
let lines: { level: string; event: string }[];
let log: Logger;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sbx-wal-"));
  lines = [];
  log = createLogger({ level: "debug", sink: (l) => lines.push(JSON.parse(l)) });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const entry = (batchId: string, rows = 20, table: WalEntry["table"] = "traces"): WalEntry => ({
  batchId,
  orgId: "acme",
  bucket: "prod",
  table,
  shardId: 3,
  batch: table === "traces" ? makeSpanBatch({ batchId, rows, seed: batchId.length }) : makeGenericBatch(table, { batchId, rows }),
});

async function replayAll(wal: WriteAheadLog): Promise<WalEntry[]> {
  const out: WalEntry[] = [];
  for await (const e of wal.replay()) out.push(e);
  return out;
}

const events = (level: string) => lines.filter((l) => l.level === level).map((l) => l.event);

describe("crc32", () => {
  test("native and table implementations agree with the standard check value", () => {
    const check = new TextEncoder().encode("123456789");
    expect(crc32(check)).toBe(0xcbf43926);
    expect(crc32Table(check)).toBe(0xcbf43926);
    const random = crypto.getRandomValues(new Uint8Array(10_000));
    expect(crc32(random)).toBe(crc32Table(random));
  });
});

describe("WriteAheadLog", () => {
  test("append then replay after reopen returns every entry, in order, with its data", async () => {
    const wal = await WriteAheadLog.open(dir, { log });
    const written = [entry("a"), entry("b", 5, "logs"), entry("c", 7, "metrics")];
    for (const e of written) await wal.append(e);
    expect(await replayAll(wal)).toHaveLength(3); // the active segment replays too
    await wal.close();
    await expect(wal.append(entry("late"))).rejects.toThrow(WalClosedError);

    const again = await WriteAheadLog.open(dir, { log });
    const got = await replayAll(again);
    expect(got.map((e) => [e.batchId, e.orgId, e.bucket, e.table, e.shardId])).toEqual(
      written.map((e) => [e.batchId, "acme", "prod", e.table, 3]),
    );
    for (let i = 0; i < 3; i++) expect(batchRows(got[i].batch)).toEqual(batchRows(written[i].batch));
    await again.close();
    expect(events("error")).toEqual([]);
  });

  test("group commit: concurrent appends share fsyncs", async () => {
    const wal = await WriteAheadLog.open(dir, { log });
    const n = 100;
    const base = entry("g", 2);
    await Promise.all(Array.from({ length: n }, (_, i) => wal.append({ ...base, batchId: `g${i}` })));
    const s = wal.stats();
    expect(s.appends).toBe(n);
    expect(s.fsyncs).toBeGreaterThanOrEqual(1);
    expect(s.fsyncs).toBeLessThan(n / 4);
    await wal.close();
    const again = await WriteAheadLog.open(dir, { log });
    expect((await replayAll(again)).map((e) => e.batchId)).toEqual(Array.from({ length: n }, (_, i) => `g${i}`));
    await again.close();
  });

  test("groupCommitMs gathers sequentially-issued appends too", async () => {
    const wal = await WriteAheadLog.open(dir, { log, groupCommitMs: 2 });
    const done: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) done.push(wal.append(entry(`s${i}`, 1)));
    await Promise.all(done);
    expect(wal.stats().fsyncs).toBe(1);
    await wal.close();
  });

  for (const damage of ["truncate", "flip"] as const) {
    test(`torn tail (${damage}): replay yields the intact prefix and the file is cut`, async () => {
      const wal = await WriteAheadLog.open(dir, { log });
      for (const id of ["t1", "t2", "t3"]) await wal.append(entry(id));
      await wal.close();
      const [seg] = await listSegments(dir);
      const size = (await stat(seg.path)).size;
      if (damage === "truncate") await truncate(seg.path, size - 5);
      else {
        const bytes = await readFile(seg.path);
        bytes[size - 10] ^= 0xff;
        await writeFile(seg.path, bytes);
      }
      const again = await WriteAheadLog.open(dir, { log });
      expect((await replayAll(again)).map((e) => e.batchId)).toEqual(["t1", "t2"]);
      expect((await stat(seg.path)).size).toBeLessThan(size - 10);
      expect(events("warn")).toContain("wal.recovery.torn_tail");
      // Appends go to a fresh segment and everything replays after another restart.
      await again.append(entry("t4"));
      await again.close();
      const third = await WriteAheadLog.open(dir, { log });
      expect((await replayAll(third)).map((e) => e.batchId)).toEqual(["t1", "t2", "t4"]);
      await third.close();
      expect(events("error")).toEqual([]);
    });
  }

  test("corruption in the middle: logged as an error, segment cut there, original kept aside", async () => {
    const wal = await WriteAheadLog.open(dir, { log });
    for (const id of ["m1", "m2", "m3"]) await wal.append(entry(id));
    await wal.close();
    const [seg] = await listSegments(dir);
    const bytes = await readFile(seg.path);
    // Flip a byte inside the second record's payload (records are equal-sized here).
    const recordBytes = (bytes.length - 8) / 3;
    bytes[8 + recordBytes + 100] ^= 0x01;
    await writeFile(seg.path, bytes);
    const again = await WriteAheadLog.open(dir, { log });
    expect((await replayAll(again)).map((e) => e.batchId)).toEqual(["m1"]);
    expect(events("error")).toContain("wal.recovery.corrupt");
    expect((await readdir(dir)).some((n) => n.includes(".corrupt-"))).toBe(true);
    await again.close();
  });

  test("a segment cut to nothing, a half-written magic and a foreign file never crash open", async () => {
    await writeFile(join(dir, `${"1".padStart(20, "0")}.wal`), new Uint8Array([0x53, 0x42]));
    await writeFile(join(dir, `${"2".padStart(20, "0")}.wal`), "not a wal segment at all");
    const wal = await WriteAheadLog.open(dir, { log });
    expect(await replayAll(wal)).toEqual([]);
    expect(wal.stats().activeSegment).toBe(3);
    await wal.close();
    expect(events("error")).toContain("wal.recovery.not_a_segment");
  });

  test("rotation, and release deletes only segments whose batches are all released", async () => {
    const wal = await WriteAheadLog.open(dir, { log, segmentBytes: 64 * 1024 });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      ids.push(`r${i}`);
      await wal.append(entry(`r${i}`, 30));
    }
    const before = await listSegments(dir);
    expect(before.length).toBeGreaterThan(3);
    const active = wal.stats().activeSegment;
    // Release all but one batch of the first segment: nothing may go.
    const firstSegmentIds = (await replayFrom(before[0].path)).slice(0, -1);
    await wal.release(firstSegmentIds);
    expect((await listSegments(dir)).map((s) => s.seq)).toEqual(before.map((s) => s.seq));
    // Release everything: every segment goes, the active one too (a fresh, empty one takes
    // its place at once — a flushed WAL does not wait for a segment to fill).
    await wal.release(ids);
    const left = await listSegments(dir);
    expect(left.map((s) => s.seq)).toEqual([wal.stats().activeSegment]);
    expect(wal.stats().activeSegment).toBeGreaterThan(active);
    expect((await stat(left[0]!.path)).size).toBeLessThan(64);
    await wal.append(entry("big", 200));
    await wal.append(entry("after", 1));
    expect((await replayAll(wal)).map((e) => e.batchId)).toEqual(["big", "after"]);
    await wal.close();
    const again = await WriteAheadLog.open(dir, { log });
    const replayed = (await replayAll(again)).map((e) => e.batchId);
    expect(replayed).toContain("after");
    expect(replayed.some((id) => ids.includes(id))).toBe(false);
    await again.close();
  });

  test("a second process-local open of a locked directory is refused by a live pid", async () => {
    await writeFile(join(dir, "LOCK"), `${process.ppid}\n`);
    await expect(WriteAheadLog.open(dir, { log })).rejects.toThrow(WalLockedError);
    await writeFile(join(dir, "LOCK"), "999999999\n"); // dead pid: taken over
    const wal = await WriteAheadLog.open(dir, { log });
    await wal.close();
  });
});

/** Batch ids of one segment file, via a throwaway log on a copy. */
async function replayFrom(path: string): Promise<string[]> {
  const copyDir = await mkdtemp(join(tmpdir(), "sbx-wal-copy-"));
  try {
    await writeFile(join(copyDir, path.split("/").pop()!), await readFile(path));
    const wal = await WriteAheadLog.open(copyDir, { log: createLogger({ level: "error", sink: () => {} }) });
    const ids = (await replayAll(wal)).map((e) => e.batchId);
    await wal.close();
    return ids;
  } finally {
    await rm(copyDir, { recursive: true, force: true });
  }
}
