/**
 * One soak sample of a running Signalbox process: what the kernel says about it (/proc), what
 * its data folder holds, how many rows each catalog table has (the SQLite file, opened read-only)
 * and the lifecycle series of its /metrics pages.
 */
import { Database } from "bun:sqlite";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { treeResidentBytes } from "../../test/helpers/process-tree.ts";
import { cpuSeconds } from "./proc-stats.ts";

export type Sample = Record<string, number>;

function procStatus(pid: number, key: string): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? NaN);
}

export function processSample(pid: number): Sample {
  return {
    rss_mib: (procStatus(pid, "VmRSS") * 1024) / 2 ** 20,
    tree_rss_mib: treeResidentBytes(pid).total / 2 ** 20,
    fds: readdirSync(`/proc/${pid}/fd`).length,
    threads: procStatus(pid, "Threads"),
    cpu_s: cpuSeconds(pid),
  };
}

interface Walk {
  files: number;
  bytes: number;
}

function walk(dir: string, visit: (path: string, bytes: number) => void, visitDir: (path: string) => void = () => {}): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // removed while walking (compaction, retention)
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      visitDir(path);
      walk(path, visit, visitDir);
    }
    else {
      try {
        visit(path, statSync(path).size);
      } catch {
        // deleted between the listing and the stat
      }
    }
  }
}

/**
 * Files and bytes of the storage folder, split into the Parquet tree (with the partitions —
 * hour folders — and the most files one of them holds), the WAL and the rest (scratch,
 * quarantine, caches).
 */
export function storageSample(storagePath: string): Sample {
  const parquet: Walk = { files: 0, bytes: 0 };
  const wal: Walk = { files: 0, bytes: 0 };
  const other: Walk = { files: 0, bytes: 0 };
  const perPartition = new Map<string, number>();
  let folders = 0;
  const dataFolder = (rel: string) => !rel.startsWith(".") && !rel.startsWith("wal") && !rel.startsWith("quarantine");
  walk(storagePath, (path, bytes) => {
    const rel = path.slice(storagePath.length + 1);
    const into = rel.startsWith("wal/") ? wal : rel.endsWith(".parquet") && !rel.startsWith(".") && !rel.startsWith("quarantine/") ? parquet : other;
    into.files++;
    into.bytes += bytes;
    if (into === parquet) {
      const partition = rel.slice(0, rel.lastIndexOf("/"));
      perPartition.set(partition, (perPartition.get(partition) ?? 0) + 1);
    }
  }, (path) => {
    if (dataFolder(path.slice(storagePath.length + 1))) folders++;
  });
  return {
    parquet_files: parquet.files,
    parquet_mib: parquet.bytes / 2 ** 20,
    partitions: perPartition.size,
    /** Folders of the Parquet tree, empty ones included: one per table and hour unless pruned. */
    data_folders: folders,
    max_files_per_partition: Math.max(0, ...perPartition.values()),
    wal_files: wal.files,
    wal_mib: wal.bytes / 2 ** 20,
    other_files: other.files,
    other_mib: other.bytes / 2 ** 20,
  };
}

/** What bench/lib/soak-probe.ts last wrote from inside the process: JS heap objects by type. */
export function probeSample(file: string): { values: Sample; types: Record<string, number> } {
  try {
    const probe = JSON.parse(readFileSync(file, "utf8")) as { heapSize: number; objectCount: number; types: Record<string, number> };
    const t = probe.types;
    return {
      values: {
        js_heap_mib: probe.heapSize / 2 ** 20,
        js_objects: probe.objectCount,
        promises: t.Promise ?? 0,
        timeouts: t.Timeout ?? 0,
        functions: t.Function ?? 0,
      },
      types: t,
    };
  } catch {
    return { values: {}, types: {} }; // not written yet
  }
}

/** Row counts of every catalog table, and the catalog's size on disk (with its SQLite WAL). */
export function catalogSample(path: string): Sample {
  const out: Sample = {};
  const db = new Database(path, { readonly: true });
  try {
    const tables = db.query<{ name: string }, []>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").all();
    for (const { name } of tables) {
      if (name.startsWith("__")) continue; // migrations
      out[`rows_${name}`] = db.query<{ n: number }, []>(`select count(*) as n from "${name}"`).get()!.n;
    }
  } finally {
    db.close();
  }
  let bytes = 0;
  for (const suffix of ["", "-wal", "-shm"]) if (existsSync(path + suffix)) bytes += statSync(path + suffix).size;
  out.catalog_mib = bytes / 2 ** 20;
  return out;
}

/** Sums of Prometheus text series by name, and by name{label=value} for the labels asked for. */
export function parseMetrics(text: string, byLabel: Record<string, string> = {}): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const [, name, labels, value] = m;
    const v = Number(value);
    if (!Number.isFinite(v)) continue;
    out.set(name!, (out.get(name!) ?? 0) + v);
    const label = byLabel[name!];
    if (label && labels) {
      const lv = new RegExp(`${label}="([^"]*)"`).exec(labels)?.[1];
      if (lv !== undefined) out.set(`${name}{${lv}}`, (out.get(`${name}{${lv}}`) ?? 0) + v);
    }
  }
  return out;
}

/** The series the soak follows, read from every role's /metrics page. */
export async function metricsSample(opsAddresses: string[]): Promise<Sample> {
  const texts = await Promise.all(
    opsAddresses.map(async (a) => {
      try {
        return await (await fetch(`http://${a}/metrics`)).text();
      } catch {
        return "";
      }
    }),
  );
  const labels = { signalbox_compaction_runs_total: "outcome", signalbox_storage_deleted_files_total: "reason" };
  // process_* and nodejs_* are the same process on every page of the monolith: take the first.
  const first = parseMetrics(texts[0] ?? "");
  const all = parseMetrics(texts.join("\n"), labels);
  const pick = (m: Map<string, number>, name: string) => m.get(name) ?? 0;
  return {
    heap_used_mib: pick(first, "nodejs_heap_size_used_bytes") / 2 ** 20,
    external_mib: pick(first, "nodejs_external_memory_bytes") / 2 ** 20,
    backlog_files: pick(all, "signalbox_compaction_backlog_files"),
    compactions: pick(all, "signalbox_compaction_runs_total{compacted}"),
    compaction_failed: pick(all, "signalbox_compaction_runs_total{failed}"),
    expired_files: pick(all, "signalbox_retention_expired_files_total"),
    deleted_compacted: pick(all, "signalbox_storage_deleted_files_total{compacted}"),
    deleted_expired: pick(all, "signalbox_storage_deleted_files_total{expired}"),
    deleted_orphan: pick(all, "signalbox_storage_deleted_files_total{orphan}"),
    live_rows: pick(all, "signalbox_writer_live_rows"),
    live_cache_mib: pick(all, "signalbox_querier_live_cache_bytes") / 2 ** 20,
  };
}
