/**
 * The metric identities (name, unit, type, monotonicity, temporality) each Parquet file
 * holds, listed once per file: files never change once written (a compaction writes a new
 * one), so every later query over the same files skips the scan of every row that listing the
 * families in a range would otherwise cost. The answer is a superset for any time range within
 * the files, which is all a selector needs: it then reads only the rows of the families it
 * selects, in the range.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { quoteLiteral } from "../../../../shared/duckdb/index.ts";
import type { MetricIdentity } from "../../../../shared/series/otlp/index.ts";
import { REMOTE_WRITE_METADATA_TYPE } from "../../../../shared/tables/index.ts";
import { registerFileFacts, type FileFactsCache } from "../file-facts.ts";
import { storedScan } from "../parquet-scan.ts";

/** Files remembered at most; the oldest listed is forgotten first. */
const MAX_FILES = 20_000;

export class FileFamilies implements FileFactsCache {
  private readonly byFile = new Map<string, MetricIdentity[]>();

  constructor() {
    registerFileFacts(this);
  }

  forgetFiles(paths: ReadonlySet<string>): void {
    for (const path of paths) this.byFile.delete(path);
  }

  /** The identities of every file of `files` (each at most once). */
  async of(connection: DuckDBConnection, files: readonly string[]): Promise<MetricIdentity[]> {
    const missing = files.filter((f) => !this.byFile.has(f));
    if (missing.length > 0) await this.list(connection, missing);
    const out = new Map<string, MetricIdentity>();
    for (const file of files) {
      for (const id of this.byFile.get(file) ?? []) out.set(identityKey(id), id);
    }
    return [...out.values()];
  }

  private async list(connection: DuckDBConnection, files: readonly string[]): Promise<void> {
    // Grouped by the file's place in the list (file_index): a path per row costs the grouping
    // far more to hash than an integer.
    const scan = await storedScan(connection, "metrics", files, { byName: true });
    const reader = await connection.runAndReadAll(
      `SELECT file_index::INTEGER, metric_name, metric_unit, metric_type, is_monotonic, aggregation_temporality
       FROM ${scan}
       WHERE metric_type <> ${quoteLiteral(REMOTE_WRITE_METADATA_TYPE)} GROUP BY ALL`,
    );
    const found = new Map<string, MetricIdentity[]>(files.map((f) => [f, []]));
    for (const r of reader.getRows()) {
      found.get(files[r[0] as number]!)?.push({ name: r[1] as string, unit: r[2] as string, type: r[3] as string, monotonic: r[4] as boolean, temporality: r[5] as number });
    }
    for (const [file, ids] of found) this.byFile.set(file, ids);
    for (const file of this.byFile.keys()) {
      if (this.byFile.size <= MAX_FILES) break;
      this.byFile.delete(file);
    }
  }
}

export function identityKey(id: MetricIdentity): string {
  return `${id.name}\u0000${id.unit}\u0000${id.type}\u0000${id.monotonic}\u0000${id.temporality}`;
}
