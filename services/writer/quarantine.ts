/**
 * Batches no Parquet file can hold are set aside here instead of failing their flush over
 * and over (which stopped every org's flushes, issue #15): each as an Arrow IPC file with a
 * JSON description beside it, both fsynced, under `storage.path/quarantine/{writer}/`.
 * Only then is the batch dropped from the live buffer and released from the WAL, so it is
 * durable at every moment. An admin lists them with the writer's Flight action
 * `quarantine` and reads a batch's rows from its `.arrow` file (any Arrow reader: DuckDB,
 * pyarrow); a restart does not bring them back into the buffer (replay skips them).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Table, tableToIPC } from "apache-arrow";
import type { Logger } from "../../shared/log/index.ts";
import type { MetricsRegistry } from "../../shared/metrics/index.ts";
import type { TableName } from "../../shared/tables/index.ts";
import { ensureDirDurable, writeFileDurably } from "../../shared/storage/index.ts";
import type { LiveEntry } from "./live-buffer.ts";

/** What the `quarantine` action lists for each batch. */
export interface QuarantinedBatch {
  batch_id: string;
  org_id: string;
  bucket: string;
  table: TableName;
  shard_id: number;
  rows: number;
  reason: string;
  /** ISO time it was set aside. */
  quarantined_at: string;
  /** The batch's rows as an Arrow IPC file on this writer's disk. */
  file: string;
}

const DESCRIPTION = ".json";

export class Quarantine {
  private readonly batches = new Map<string, QuarantinedBatch>();
  private readonly added;

  private constructor(readonly dir: string, private readonly log: Logger, metrics: MetricsRegistry) {
    this.added = metrics.counter("signalbox_writer_quarantined_batches_total", "batches set aside because no Parquet file can hold them", ["table"]);
    metrics.gauge("signalbox_writer_quarantined_batches", "batches in this writer's quarantine folder", [], () => [[undefined, this.batches.size]]);
  }

  /** Opens (creating) the folder and reads what earlier runs set aside. */
  static async open(dir: string, log: Logger, metrics: MetricsRegistry): Promise<Quarantine> {
    await ensureDirDurable(dir);
    const q = new Quarantine(dir, log, metrics);
    for (const name of await readdir(dir)) {
      if (!name.endsWith(DESCRIPTION) || name.startsWith(".tmp-")) continue;
      try {
        const batch = JSON.parse(await readFile(join(dir, name), "utf8")) as QuarantinedBatch;
        q.batches.set(batch.batch_id, batch);
      } catch (err) {
        log.error("quarantine.unreadable", { file: join(dir, name), err });
      }
    }
    if (q.batches.size > 0) log.warn("quarantine.present", { dir, batches: q.batches.size });
    return q;
  }

  has(batchId: string): boolean {
    return this.batches.has(batchId);
  }

  list(): QuarantinedBatch[] {
    return [...this.batches.values()].sort((a, b) => a.quarantined_at.localeCompare(b.quarantined_at));
  }

  /** Writes the batch and its description durably; resolves once both are on disk. */
  async add(entry: LiveEntry, reason: string): Promise<QuarantinedBatch> {
    const base = join(this.dir, fileStem(entry.batchId));
    const described: QuarantinedBatch = {
      batch_id: entry.batchId,
      org_id: entry.orgId,
      bucket: entry.bucket,
      table: entry.table,
      shard_id: entry.shardId,
      rows: entry.stored.numRows,
      reason,
      quarantined_at: new Date().toISOString(),
      file: `${base}.arrow`,
    };
    await writeFileDurably(described.file, tableToIPC(new Table([entry.stored]), "file"));
    // The description last: a crash between the two leaves an unlisted .arrow file, and the
    // batch still in the WAL, so the next flush sets it aside again.
    await writeFileDurably(`${base}${DESCRIPTION}`, new TextEncoder().encode(JSON.stringify(described)));
    this.batches.set(entry.batchId, described);
    this.added.inc({ table: entry.table });
    this.log.error("flush.quarantined", {
      batch_id: entry.batchId, org: entry.orgId, bucket: entry.bucket, table: entry.table, rows: described.rows, reason, file: described.file,
    });
    return described;
  }
}

/** Batch ids are the acceptor's (hex) but may come from any Flight client: keep the name safe. */
function fileStem(batchId: string): string {
  return /^[A-Za-z0-9._-]{1,128}$/.test(batchId) && !batchId.startsWith(".") ? batchId : `b-${Bun.hash(batchId).toString(16)}`;
}

