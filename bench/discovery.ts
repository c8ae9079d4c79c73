/**
 * Discovery latency, measured with real processes:
 *   - register → visible: from the instance's registration (its `startedAt`, taken just before
 *     it registers) to the moment a resolver in this process sees it;
 *   - crash → detected: from `kill -9` to the resolver dropping it.
 * Modes: catalog only on a SQLite file, catalog only on PostgreSQL, PostgreSQL + NATS.
 *
 *   bun bench/discovery.ts [--runs 20] [--modes sqlite,postgres,nats]
 */
import { parseArgs } from "node:util";
import type { Resolver } from "../shared/discovery/index.ts";
import { spawnInstance, waitUntil } from "../test/helpers/discovery-env.ts";
import { createScenario, type ScenarioOptions } from "../test/helpers/discovery-observer.ts";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "20" }, modes: { type: "string", default: "sqlite,postgres,nats" } },
});
const RUNS = Number(values.runs);

const MODES: Record<string, ScenarioOptions> = {
  sqlite: { catalog: "sqlite", nats: false, timing: { heartbeat: "200ms", ttl: "600ms" } },
  postgres: { catalog: "postgres", nats: false, timing: { heartbeat: "200ms", ttl: "600ms" } },
  nats: { catalog: "postgres", nats: true, timing: { heartbeat: "1s", ttl: "5s", natsHeartbeat: "250ms", staleAfter: "1s" } },
};

const nowMs = () => performance.timeOrigin + performance.now();

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`;
}

/** Resolves at the first moment `present(ids)` holds, by change event or by a tight poll (catalog modes). */
function watch(resolver: Resolver, present: (ids: Set<string>) => boolean, poll: boolean): Promise<number> {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      off();
      resolve(nowMs());
    };
    const check = async () => {
      const ids = new Set((await resolver.live()).map((i) => i.id));
      if (present(ids)) finish();
    };
    const off = resolver.onChange(() => void check());
    void (async () => {
      while (!done) {
        await check();
        await Bun.sleep(poll ? 2 : 20);
      }
    })();
  });
}

async function benchMode(name: string, options: ScenarioOptions) {
  const scenario = await createScenario(options);
  const resolver = await scenario.resolver();
  const poll = !options.nats;
  const visible: number[] = [];
  const detected: number[] = [];
  try {
    for (let run = 1; run <= RUNS; run++) {
      const spawned = spawnInstance("querier", scenario.env);
      // The id is unknown until the child prints it; watch for "a querier we have not seen".
      const known = new Set((await resolver.live()).map((i) => i.id));
      const seenAt = watch(resolver, (ids) => [...ids].some((id) => !known.has(id)), poll);
      const standIn = await spawned;
      scenario.standIns.push(standIn);
      const row = (await resolver.live()).find((i) => i.id === standIn.id);
      visible.push((await seenAt) - (row?.startedAt ?? standIn.beginAt));

      // Kill at a random phase of the heartbeat cycle.
      await Bun.sleep(100 + Math.random() * 400);
      const goneAt = watch(resolver, (ids) => !ids.has(standIn.id), poll);
      const killAt = nowMs();
      await standIn.crash();
      detected.push((await goneAt) - killAt);
      process.stdout.write(
        `${name.padEnd(8)} run ${String(run).padStart(2)}/${RUNS}: register→visible ${visible.at(-1)!.toFixed(1)} ms, ` +
          `crash→detected ${detected.at(-1)!.toFixed(1)} ms\n`,
      );
      await waitUntil(async () => !(await resolver.live()).some((i) => i.id === standIn.id), 10_000, "crash settled");
    }
  } finally {
    await scenario.dispose();
  }
  return { name, timing: options.timing, visible: summary(visible), detected: summary(detected) };
}

const results = [];
for (const mode of values.modes!.split(",")) {
  const options = MODES[mode];
  if (!options) throw new Error(`unknown mode ${mode} (known: ${Object.keys(MODES).join(", ")})`);
  process.stdout.write(`--- ${mode}: ${JSON.stringify(options.timing)}\n`);
  results.push(await benchMode(mode, options));
}
process.stdout.write("\n=== discovery latency over " + RUNS + " runs per mode\n");
for (const r of results) {
  process.stdout.write(`${r.name.padEnd(8)} register→visible: ${r.visible}\n${"".padEnd(8)} crash→detected:   ${r.detected}\n`);
}
