/**
 * Writer failover times, over repeated kill -9 of one writer in a 3-writer, RF 2 cluster
 * (separate processes, real PostgreSQL; with NATS and catalog-only):
 *
 * - crash → detected: the catalog's shard map no longer names the killed writer;
 * - crash → writes succeed again: writes to every shard the victim held, started right at
 *   the crash, all acknowledged (they wait in the acceptor's retry loop, not in the client);
 * - crash → fully re-replicated: every surviving writer finished a sync round at the new
 *   epoch owing no copies (every unpersisted batch is on all replicas of the new map).
 *
 *   bun bench/failover.ts [kills=10] [modes=nats,catalog]
 *
 * Background ingest keeps unflushed batches in the buffers (flush_interval 5s). After each
 * kill the victim restarts under its name and the map settles before the next kill.
 */
import { openCatalog } from "../shared/catalog/index.ts";
import { FlightClient } from "../shared/flight/index.ts";
import { createLogger } from "../shared/log/index.ts";
import { shardOf } from "../shared/sharding/index.ts";
import { startIngest } from "../test/helpers/cluster-ingest.ts";
import { TestCluster } from "../test/helpers/cluster-processes.ts";

const kills = Number(process.argv[2] ?? 10);
const modes = (process.argv[3] ?? "nats,catalog").split(",");
const BUCKETS = Array.from({ length: 32 }, (_, i) => `f${i}`);
const SHARDS = 64;

interface Sample {
  detected: number;
  writable: number;
  replicated: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function postSpans(acceptor: string, bucket: string): Promise<number> {
  const now = (BigInt(Date.now()) * 1_000_000n).toString();
  const spanId = crypto.randomUUID().replaceAll("-", "").slice(0, 16);
  const body = JSON.stringify({
    resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [{ traceId: spanId + spanId, spanId, name: "probe", startTimeUnixNano: now, endTimeUnixNano: now }] }] }],
  });
  const response = await fetch(`http://${acceptor}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-signalbox-bucket": bucket },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

/** Adds up to `wanted` samples to `samples`; throws (keeping what it got) if the cluster breaks. */
async function runMode(mode: string, wanted: number, samples: Sample[]): Promise<void> {
  const cluster = await TestCluster.start({
    writers: 3,
    replicationFactor: 2,
    nats: mode === "nats",
    query: true,
    env: { SIGNALBOX_WRITER_FLUSH_INTERVAL: "5s", SIGNALBOX_WRITE_TIMEOUT: "20s" },
  });
  const catalog = await openCatalog(cluster.env.SIGNALBOX_DISCOVERY_CATALOG_DSN!, { log: createLogger({ level: "error" }) });
  const acceptor = cluster.acceptor!.addresses.http!;
  const ingest = startIngest(acceptor, { buckets: BUCKETS, concurrency: 2, spansPerRequest: 20 });
  try {
    const names = ["w1", "w2", "w3"];
    await cluster.waitForMap(names);
    for (let i = 0; i < wanted; i++) {
      const victim = names[i % names.length]!;
      const map = (await catalog.shardMap())!;
      const held = new Set(map.shards.filter((s) => s.replicas.includes(victim)).map((s) => s.shardId));
      const probes = BUCKETS.filter((b) => held.has(shardOf("default", b, "traces", SHARDS))).slice(0, 4);
      await Bun.sleep(500);

      const crash = performance.now();
      await cluster.killWriter(victim);
      const writable = Promise.all(probes.map(async (bucket) => {
        const status = await postSpans(acceptor, bucket);
        if (status !== 200) throw new Error(`probe write answered ${status}`);
      })).then(() => performance.now() - crash);

      let detected = 0;
      let epoch = map.epoch;
      while (!detected) {
        const now = (await catalog.shardMap())!;
        if (!now.shards.some((s) => s.replicas.includes(victim))) {
          detected = performance.now() - crash;
          epoch = now.epoch;
        } else await Bun.sleep(5);
      }
      let replicated = 0;
      const survivors = [...cluster.writers.values()].map((w) => new FlightClient(w.addresses.flight!));
      while (!replicated) {
        const health = (await Promise.all(survivors.map((c) => c.action("health", {}))).catch((err: Error) => {
          throw new Error(`${err.message}; crashed roles: ${cluster.crashed().join(" | ")}`);
        })) as Array<{ synced_epoch: number; replication_pending: number }>;
        if (health.every((h) => h.synced_epoch >= epoch && h.replication_pending === 0)) replicated = performance.now() - crash;
        else await Bun.sleep(10);
      }
      survivors.forEach((c) => c.close());
      const sample = { detected, writable: await writable, replicated };
      samples.push(sample);
      console.log(`${mode} kill ${samples.length} (${victim}): detected ${detected.toFixed(0)} ms, writes ok ${sample.writable.toFixed(0)} ms, re-replicated ${replicated.toFixed(0)} ms`);

      await cluster.startWriter(victim);
      await cluster.waitForMap(names, 30_000);
    }
  } finally {
    const tally = await ingest.stop();
    console.log(`${mode}: background ingest ${tally.ackedCount} spans acked, statuses ${JSON.stringify(Object.fromEntries(tally.statuses))}, client errors ${tally.errors}`);
    await catalog.close();
    await cluster.stop();
  }
}

for (const mode of modes) {
  const samples: Sample[] = [];
  // Other processes on a shared machine may kill ours: start a fresh cluster and go on.
  for (let attempt = 0; samples.length < kills && attempt < 4; attempt++) {
    try {
      await runMode(mode, kills - samples.length, samples);
    } catch (err) {
      console.log(`${mode}: cluster broke after ${samples.length} kills (${(err as Error).message.slice(0, 300)}); starting a fresh one`);
    }
  }
  if (samples.length === 0) continue;
  const line = (name: keyof Sample) =>
    `${name.padEnd(10)} p50 ${percentile(samples.map((s) => s[name]), 50).toFixed(0).padStart(6)} ms   p99 ${percentile(samples.map((s) => s[name]), 99).toFixed(0).padStart(6)} ms`;
  console.log(`\nresult ${mode} (${samples.length} kills, heartbeat 200ms${mode === "nats" ? ", NATS heartbeat 100ms, stale_after 600ms" : ", ttl 600ms"})`);
  console.log(`  crash→${line("detected")}\n  crash→${line("writable")}\n  crash→${line("replicated")}`);
}
