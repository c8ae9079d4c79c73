/**
 * WAL replay at start: every intact record goes back into the live buffer unless its batch
 * is already persisted in a recorded Parquet file or set aside in the quarantine (then the
 * WAL copy is released): a quarantined batch never comes back to fail a flush again.
 */
import type { CatalogRepository } from "../../shared/catalog/index.ts";
import type { Logger } from "../../shared/log/index.ts";
import type { LiveBuffer, NewLiveEntry } from "./live-buffer.ts";
import type { Quarantine } from "./quarantine.ts";
import type { WriteAheadLog } from "./wal/index.ts";

const PROGRESS_EVERY = 10_000;

export async function replayWal(deps: {
  wal: WriteAheadLog;
  buffer: LiveBuffer;
  catalog: CatalogRepository;
  quarantine: Pick<Quarantine, "has">;
  log: Logger;
}): Promise<void> {
  const started = performance.now();
  const entries: NewLiveEntry[] = [];
  for await (const entry of deps.wal.replay()) {
    entries.push(entry);
    if (entries.length % PROGRESS_EVERY === 0) deps.log.info("wal.replay.progress", { records: entries.length });
  }
  const persisted = entries.length ? await deps.catalog.persistedBatches(entries.map((e) => e.batchId)) : new Set<string>();
  const quarantined = new Set(entries.filter((e) => deps.quarantine.has(e.batchId)).map((e) => e.batchId));
  let restored = 0;
  for (const entry of entries) {
    if (!persisted.has(entry.batchId) && !quarantined.has(entry.batchId) && deps.buffer.add(entry)) restored++;
  }
  if (persisted.size > 0 || quarantined.size > 0) await deps.wal.release([...persisted, ...quarantined]);
  deps.log.info("wal.replay.done", {
    records: entries.length,
    restored,
    already_persisted: persisted.size,
    quarantined: quarantined.size,
    rows: deps.buffer.rows,
    ms: Math.round(performance.now() - started),
  });
}
