/**
 * The writer's flush cost on its own: N realistic spans (in 10k-span batches) → one sorted
 * zstd Parquet file with writeParquet (JS sort + dedicated columns + COPY from scanArrow);
 * appendArrow into a DuckDB table (the querier's way in for live rows) is timed beside it.
 * Wall and this process's CPU time, with load, and the file's bytes per span.
 */
import type { RecordBatch } from "apache-arrow";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appendArrow, openDuckDB } from "../../shared/duckdb/index.ts";
import { TABLE_SCHEMAS } from "../../shared/tables/index.ts";
import { writeParquet } from "../../services/writer/parquet/index.ts";
import { spanGenerator } from "./query-spans.ts";
import { load1 } from "./query-timing.ts";

export async function runFlushBench(spans: number): Promise<void> {
  const gen = spanGenerator({ seed: 7, startNs: 1_740_787_200_000_000_000n, endNs: 1_740_787_200_000_000_000n + 600_000_000_000n, totalSpans: spans });
  const batches: RecordBatch[] = [];
  for (let done = 0, i = 0; done < spans; i++) {
    const rows = Math.min(10_000, spans - done);
    batches.push(gen.next(rows, `flush-${i}`));
    done += rows;
  }
  const dir = mkdtempSync(join(tmpdir(), "sbx-bench-flush-"));
  // One thread, as the writer flushes by default (writer.flush_threads).
  const db = await openDuckDB(":memory:", { config: { threads: "1" } });
  const timed = async (label: string, run: () => Promise<unknown>) => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await run();
    const cpu = process.cpuUsage(cpu0);
    console.log(
      `${label}: ${spans.toLocaleString()} spans ${((performance.now() - t0) / 1000).toFixed(2)} s wall, ` +
        `${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU (all threads; ${((cpu.user + cpu.system) / spans).toFixed(1)} CPU s per million spans), load ${load1()}`,
    );
  };
  try {
    for (let round = 0; round < 2; round++) {
      await timed(`appendArrow #${round + 1}`, () => appendArrow(db.connection, `t${round}`, batches, TABLE_SCHEMAS.traces));
      await db.connection.run(`DROP TABLE t${round}`);
      let bytes = 0;
      await timed(`writeParquet #${round + 1}`, async () => {
        ({ bytes } = await writeParquet({ db: db.connection, table: "traces", batches, destPath: join(dir, `f${round}.parquet`), metadata: {} }));
      });
      console.log(`  file: ${bytes.toLocaleString()} bytes = ${(bytes / spans).toFixed(1)} bytes per span`);
    }
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
