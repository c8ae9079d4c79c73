/**
 * Keys of Parquet uploads that failed. A failed upload may still have landed (the server kept
 * the body; the answer was lost), and nothing records it: its rows stay buffered and the next
 * flush stores them under a new key. Left alone such an object holds a second copy of those
 * rows until the orphan sweep's grace has passed — which a manifest rebuild or anyone counting
 * the bucket would see. The flusher removes these keys as soon as storage takes a file again.
 *
 * Removing is safe: a key is only remembered when its upload failed, before anything recorded
 * it, and file keys are never reused (a fresh uuid per file).
 */
import type { Logger } from "../../shared/log/index.ts";
import type { MetricsRegistry } from "../../shared/metrics/index.ts";
import type { BlobStore } from "../../shared/storage/index.ts";

/** Past this many keys the oldest are left to the orphan sweep (storage down for long). */
export const MAX_LITTER_KEYS = 10_000;

export class UploadLitter {
  private readonly keys = new Set<string>();

  constructor(
    private readonly store: BlobStore,
    private readonly log: Logger,
    metrics: MetricsRegistry,
  ) {
    metrics.gauge("signalbox_writer_upload_litter_files", "keys of failed uploads waiting to be removed from storage", [], () => [[undefined, this.keys.size]]);
  }

  add(key: string): void {
    this.keys.add(key);
    if (this.keys.size > MAX_LITTER_KEYS) this.keys.delete(this.keys.values().next().value!);
  }

  /** Removes every remembered key; one that still fails is kept for the next sweep. */
  async sweep(): Promise<void> {
    for (const key of [...this.keys]) {
      try {
        await this.store.remove(key);
        this.keys.delete(key);
        this.log.info("flush.litter_removed", { path: key });
      } catch (err) {
        this.log.warn("flush.litter_remove_failed", { path: key, err });
        return;
      }
    }
  }
}
