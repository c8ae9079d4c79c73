/**
 * Prometheus's deferred persistence, so a benchmark can charge it next to Signalbox's flush.
 *
 * Prometheus keeps appended samples in its in-memory head (and its WAL); they reach a persisted
 * block later. Its TSDB compacts the head's oldest block-range (2 h by default) once the head
 * spans more than 1.5 block ranges — checked on every append commit and every minute — and
 * repeats until it spans no more. Data written in time order over more than 3 h therefore has
 * its older part compacted during (or just after) the writes, and keeps the rest in the head.
 * To persist all of it without changing Prometheus's block layout, the bench waits for those
 * compactions to settle and then takes a TSDB snapshot, which writes what is left in the head
 * as one more block (the same block writer a head compaction uses). The snapshot does not
 * truncate the head or checkpoint the WAL, which a real head compaction also does: the figure
 * slightly undercounts Prometheus's side.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cpuSeconds } from "./proc-stats.ts";

/** The gauges and counters that show what the TSDB has persisted. */
export interface TsdbState {
  /** Blocks written so far (head compactions, block merges and snapshot head blocks alike). */
  compactions: number;
  /** Wall seconds spent writing those blocks (not CPU: a hint of their share of a CPU window). */
  compactionSeconds: number;
  headMinTimeMs: number;
  headMaxTimeMs: number;
  headSeries: number;
  blocksLoaded: number;
  /** 1 while a block is being written. */
  populatingBlock: number;
}

const DEFAULT_BLOCK_RANGE_MS = 2 * 3_600_000;

function metric(text: string, name: string): number {
  const match = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  if (!match) throw new Error(`prometheus /metrics has no ${name}`);
  return Number(match[1]);
}

export async function tsdbState(url: string): Promise<TsdbState> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return {
    compactions: metric(text, "prometheus_tsdb_compactions_total"),
    compactionSeconds: metric(text, "prometheus_tsdb_compaction_duration_seconds_sum"),
    headMinTimeMs: metric(text, "prometheus_tsdb_head_min_time"),
    headMaxTimeMs: metric(text, "prometheus_tsdb_head_max_time"),
    headSeries: metric(text, "prometheus_tsdb_head_series"),
    blocksLoaded: metric(text, "prometheus_tsdb_blocks_loaded"),
    populatingBlock: metric(text, "prometheus_tsdb_compaction_populating_block"),
  };
}

/**
 * Waits until the head no longer qualifies for compaction, no block is being written and the
 * process has gone quiet (a head compaction also truncates the head and checkpoints the WAL).
 */
export async function settleHeadCompaction(url: string, pid: number, timeoutMs = 180_000): Promise<TsdbState> {
  const deadline = Date.now() + timeoutMs;
  let quietPolls = 0;
  let cpu = cpuSeconds(pid);
  while (Date.now() < deadline) {
    await Bun.sleep(500);
    const state = await tsdbState(url);
    const now = cpuSeconds(pid);
    const quiet = now - cpu <= 0.02;
    cpu = now;
    const compactable = state.headMaxTimeMs - state.headMinTimeMs > 1.5 * DEFAULT_BLOCK_RANGE_MS;
    quietPolls = !compactable && state.populatingBlock === 0 && quiet ? quietPolls + 1 : 0;
    if (quietPolls >= 2) return state;
  }
  throw new Error(`prometheus head compaction did not settle within ${timeoutMs} ms`);
}

export interface Snapshot {
  /** Every block in the snapshot (hard links of the persisted blocks, plus the head's). */
  blocks: number;
  /** Samples in those blocks, from their meta.json: all written samples once all are persisted. */
  samples: number;
  dir: string;
}

/** Writes the head to a block with the admin API (needs --web.enable-admin-api). */
export async function snapshotWithHead(url: string, dataDir: string): Promise<Snapshot> {
  const response = await fetch(`${url}/api/v1/admin/tsdb/snapshot?skip_head=false`, { method: "POST" });
  const body = (await response.json()) as { status: string; data?: { name: string }; error?: string };
  if (body.status !== "success" || !body.data) throw new Error(`prometheus snapshot: ${body.error ?? response.status}`);
  const dir = join(dataDir, "snapshots", body.data.name);
  let samples = 0;
  const blocks = readdirSync(dir);
  for (const block of blocks) {
    const meta = JSON.parse(readFileSync(join(dir, block, "meta.json"), "utf8")) as { stats: { numSamples: number } };
    samples += meta.stats.numSamples;
  }
  return { blocks: blocks.length, samples, dir };
}
