/** The data lifecycle's /metrics series (compaction, retention, deletion). */
import type { DataFile } from "../../../shared/catalog/index.ts";
import type { Counter, Gauge, Histogram, MetricsRegistry } from "../../../shared/metrics/index.ts";

export class LifecycleMetrics {
  private readonly runs: Counter;
  private readonly seconds: Histogram;
  private readonly filesIn: Counter;
  private readonly rowsOut: Counter;
  private readonly bytesIn: Counter;
  private readonly bytesOut: Counter;
  private readonly backlog: Gauge;
  private readonly expiredFiles: Counter;
  private readonly expiredRows: Counter;
  private readonly reclaimedBytes: Counter;
  private readonly deletedFiles: Counter;

  constructor(m: MetricsRegistry) {
    this.runs = m.counter("signalbox_compaction_runs_total", "compaction jobs by table and outcome (compacted, superseded, skipped, failed)", ["table", "outcome"]);
    this.seconds = m.histogram("signalbox_compaction_seconds", "time to compact one partition's files into one and record it", ["table"]);
    this.filesIn = m.counter("signalbox_compaction_input_files_total", "small files merged away by compaction, by table", ["table"]);
    this.rowsOut = m.counter("signalbox_compaction_rows_total", "rows written by compaction, by table", ["table"]);
    this.bytesIn = m.counter("signalbox_compaction_input_bytes_total", "bytes of the files compaction merged, by table", ["table"]);
    this.bytesOut = m.counter("signalbox_compaction_output_bytes_total", "bytes of the files compaction wrote, by table", ["table"]);
    this.backlog = m.gauge("signalbox_compaction_backlog_files", "files awaiting compaction on this writer's primary shards, by table", ["table"]);
    this.expiredFiles = m.counter("signalbox_retention_expired_files_total", "files removed from the manifest because every row in them was past retention, by table", ["table"]);
    this.expiredRows = m.counter("signalbox_retention_expired_rows_total", "rows removed by retention, by table", ["table"]);
    this.reclaimedBytes = m.counter(
      "signalbox_storage_reclaimed_bytes_total",
      "bytes deleted from storage, by table and reason (compacted, expired, orphan)",
      ["table", "reason"],
    );
    this.deletedFiles = m.counter("signalbox_storage_deleted_files_total", "files deleted from storage, by table and reason (compacted, expired, orphan)", [
      "table",
      "reason",
    ]);
  }

  setBacklog(byTable: ReadonlyMap<string, number>): void {
    for (const [table, files] of byTable) this.backlog.set(files, { table });
  }

  run(table: string, outcome: string): void {
    this.runs.inc({ table, outcome });
  }

  compacted(table: string, inputs: readonly DataFile[], output: DataFile, seconds: number): void {
    this.run(table, "compacted");
    this.seconds.observe(seconds, { table });
    this.filesIn.inc({ table }, inputs.length);
    this.rowsOut.inc({ table }, output.rows);
    this.bytesIn.inc({ table }, inputs.reduce((n, f) => n + f.bytes, 0));
    this.bytesOut.inc({ table }, output.bytes);
  }

  expired(table: string, files: readonly DataFile[]): void {
    this.expiredFiles.inc({ table }, files.length);
    this.expiredRows.inc({ table }, files.reduce((n, f) => n + f.rows, 0));
  }

  reclaimed(table: string, reason: string, bytes: number): void {
    this.reclaimedBytes.inc({ table, reason }, bytes);
    this.deletedFiles.inc({ table, reason });
  }
}
