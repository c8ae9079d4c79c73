/**
 * Preloaded into the soaked process (`bun --preload`): every SOAK_PROBE_MS it collects
 * garbage and writes the JavaScript heap's object counts by type to SOAK_PROBE_FILE, so the
 * soak can follow what no outside view shows — pending promises, live timers, heap objects.
 * Counting after a full collection keeps garbage out of the figures.
 */
import { heapStats } from "bun:jsc";
import { renameSync, writeFileSync } from "node:fs";

const file = process.env.SOAK_PROBE_FILE;
const everyMs = Number(process.env.SOAK_PROBE_MS ?? 30_000);

if (file) {
  const probe = () => {
    Bun.gc(true);
    const stats = heapStats();
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ at: Date.now(), heapSize: stats.heapSize, objectCount: stats.objectCount, types: stats.objectTypeCounts }));
    renameSync(tmp, file);
  };
  setInterval(probe, everyMs).unref();
}
