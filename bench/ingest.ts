/**
 * End-to-end ingest benchmark (issue #4): OTLP/HTTP protobuf traces → acceptor → Flight
 * DoPut → writer (WAL fsync, live buffer, periodic Parquet flush), each role in its own
 * process. Prints progress every second, then spans/s, CPU seconds per million spans of
 * each process, the writer's peak RSS and — measured in the same run, before the cluster
 * starts — the decode-only ceiling: the same payloads through the acceptor's own decoder.
 *
 *   bun bench/ingest.ts [--seconds 30] [--senders 8] [--spans 1024] [--warmup 3] [--gzip] [--profile DIR]
 *                      [--env SIGNALBOX_KEY=value]...
 *
 * --env passes a setting to both roles (repeatable). --profile DIR writes a CPU profile of each role (Markdown + .cpuprofile) into DIR on exit.
 *
 * "Per core" figures divide spans by the CPU seconds the acceptor and writer processes
 * used (utime + stime from /proc), which holds on a loaded machine where wall time does not;
 * the load generator's own CPU is shown apart and not charged.
 */
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { FlightClient } from "../shared/flight/index.ts";
import { startIngestCluster } from "./lib/cluster.ts";
import { measureDecodeCeiling } from "./lib/decode-ceiling.ts";
import { makeTracePayloads } from "./lib/otlp-traces.ts";
import { cpuSeconds, load1, memory, minorFaults } from "./lib/proc-stats.ts";
import { sendLoad, startLoad } from "./lib/senders.ts";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "30" },
    senders: { type: "string", default: "8" },
    spans: { type: "string", default: "1024" },
    warmup: { type: "string", default: "3" },
    "ceiling-seconds": { type: "string", default: "5" },
    gzip: { type: "boolean", default: false },
    profile: { type: "string" },
    env: { type: "string", multiple: true, default: [] },
  },
});
const seconds = Number(args.seconds);
const senders = Number(args.senders);
const spansPerRequest = Number(args.spans);
const warmupSeconds = Number(args.warmup);
const ceilingSeconds = Math.min(Number(args["ceiling-seconds"]), Math.max(2, seconds));

const MiB = 1024 * 1024;
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

const payloads = makeTracePayloads(48, spansPerRequest);
const bodies = args.gzip ? payloads.bodies.map((b) => new Uint8Array(gzipSync(b, { level: 1 }))) : payloads.bodies;
console.log(
  `ingest bench: ${spansPerRequest} spans/request, ${fmt(payloads.attributesPerSpan, 1)} attributes/span, ` +
    `${fmt(payloads.bytesPerSpan)} B/span protobuf${args.gzip ? " (sent gzip)" : ""}, ${senders} senders, ${seconds} s, Bun ${Bun.version}`,
);

const loadAtStart = load1();
const ceiling = measureDecodeCeiling(payloads.bodies, ceilingSeconds);
console.log(
  `ceiling  decode-only: ${fmt(ceiling.spansPerCpuSecond)} spans per CPU-second ` +
    `(${fmt(1e6 / ceiling.spansPerCpuSecond, 2)} CPU s per million spans; median of ${ceilingSeconds} s in half-second windows, ` +
    `which ranged ${fmt(ceiling.range[0])}–${fmt(ceiling.range[1])}), load ${fmt(load1(), 1)}`,
);

const roleSettings = Object.fromEntries(
  args.env.map((kv) => {
    const at = kv.indexOf("=");
    if (at <= 0) throw new Error(`--env expects KEY=VALUE, got ${JSON.stringify(kv)}`);
    return [kv.slice(0, at), kv.slice(at + 1)];
  }),
);
const cluster = await startIngestCluster({ profileDir: args.profile, env: roleSettings });
const { writer, acceptor } = cluster;
const pids = { acceptor: acceptor.proc.pid, writer: writer.proc.pid };
const url = `http://${cluster.otlpHttp}/v1/traces`;

try {
  await waitUntilAccepting(url, bodies[0]!, args.gzip);
  // Warm-up: JIT, HTTP keep-alive connections, the first Flight channel; not measured.
  const warm = await sendLoad({ url, bodies, spansPerRequest, senders, seconds: warmupSeconds, gzip: args.gzip });
  if (warm.okRequests === 0) throw new Error(`warm-up: no request succeeded (${warm.errorSummary()})`);

  const cpu0 = { acceptor: cpuSeconds(pids.acceptor), writer: cpuSeconds(pids.writer), client: process.cpuUsage() };
  const faults0 = { acceptor: minorFaults(pids.acceptor), writer: minorFaults(pids.writer) };
  const flushesBefore = writer.lines.filter((l) => l.event === "flush.done").length;
  const t0 = performance.now();
  const run = startLoad({ url, bodies, spansPerRequest, senders, seconds, gzip: args.gzip });
  let last = { t: t0, spans: 0, acceptor: cpu0.acceptor, writer: cpu0.writer };
  let peakRss = memory(pids.writer).peakRss;
  let died: unknown;
  const progress = setInterval(() => {
    try {
      cluster.assertAlive();
    } catch (err) {
      died = err;
      clearInterval(progress);
      return;
    }
    const now = performance.now();
    const a = cpuSeconds(pids.acceptor);
    const w = cpuSeconds(pids.writer);
    const mem = memory(pids.writer);
    peakRss = Math.max(peakRss, mem.peakRss);
    const dt = (now - last.t) / 1000;
    const spans = run.okSpans();
    console.log(
      `progress t=${fmt((now - t0) / 1000, 1)}s spans/s=${fmt((spans - last.spans) / dt)} ` +
        `acceptor=${fmt(((a - last.acceptor) / dt) * 100)}% writer=${fmt(((w - last.writer) / dt) * 100)}% ` +
        `writer_rss=${fmt(mem.rss / MiB)}MiB errors=${run.errors()} load=${fmt(load1(), 1)}`,
    );
    last = { t: now, spans, acceptor: a, writer: w };
  }, 1000);
  const result = await run.done;
  clearInterval(progress);
  if (died) throw died;
  cluster.assertAlive();
  // Everything acknowledged is written to Parquet before the clock stops: the flush's CPU is
  // part of ingesting, not something left for later.
  const flushStarted = performance.now();
  await new FlightClient(writer.addresses.flight!).action("flush", {}, { deadlineMs: 600_000 });
  const finalFlushSeconds = (performance.now() - flushStarted) / 1000;
  const wall = (performance.now() - t0) / 1000;
  const cpu = {
    acceptor: cpuSeconds(pids.acceptor) - cpu0.acceptor,
    writer: cpuSeconds(pids.writer) - cpu0.writer,
    client: ((u) => (u.user + u.system) / 1e6)(process.cpuUsage(cpu0.client)),
  };
  const faults = { acceptor: minorFaults(pids.acceptor) - faults0.acceptor, writer: minorFaults(pids.writer) - faults0.writer };
  peakRss = Math.max(peakRss, memory(pids.writer).peakRss);
  const spans = result.okSpans;
  const perMillion = (s: number) => (s * 1e6) / spans;
  const serverCpu = cpu.acceptor + cpu.writer;
  const perCore = spans / serverCpu;
  const flushes = writer.lines.filter((l) => l.event === "flush.done").length - flushesBefore;

  console.log("\nresults");
  console.log(`  spans acknowledged      ${fmt(spans)} in ${fmt(wall, 1)} s (${result.okRequests} requests, ${result.errorRequests} failed${result.errorRequests ? `: ${result.errorSummary()}` : ""})`);
  console.log(`  end-to-end              ${fmt(spans / wall)} spans/s wall`);
  console.log(`  per core                ${fmt(perCore)} spans per CPU-second (acceptor + writer), target ≥ 50,000`);
  console.log(`  CPU s per million spans acceptor ${fmt(perMillion(cpu.acceptor), 2)}, writer ${fmt(perMillion(cpu.writer), 2)}, total ${fmt(perMillion(serverCpu), 2)} (load generator ${fmt(perMillion(cpu.client), 2)}, not charged)`);
  console.log(`  page faults per span    acceptor ${fmt(faults.acceptor / spans, 2)}, writer ${fmt(faults.writer / spans, 2)} (first touches of fresh memory)`);
  console.log(`  CPU used                acceptor ${fmt((cpu.acceptor / wall) * 100)}%, writer ${fmt((cpu.writer / wall) * 100)}% of one core`);
  console.log(`  decode-only ceiling     ${fmt(ceiling.spansPerCpuSecond)} spans per CPU-second (${fmt(1e6 / ceiling.spansPerCpuSecond, 2)} CPU s per million spans; windows ${fmt(ceiling.range[0])}–${fmt(ceiling.range[1])})`);
  console.log(`  ratio to ceiling        ${fmt((perCore / ceiling.spansPerCpuSecond) * 100, 1)} %, target ≥ 50 %`);
  console.log(`  writer peak RSS         ${fmt(peakRss / MiB)} MiB (VmHWM), target < 1024 MiB; Parquet flushes during the run: ${flushes}, final flush ${fmt(finalFlushSeconds, 1)} s (included)`);
  console.log(`  load average (1 min)    ${fmt(loadAtStart, 1)} at start, ${fmt(load1(), 1)} at end, ${navigator.hardwareConcurrency} cores`);
} finally {
  await cluster.stop();
}

/** The acceptor answers 503 until it has a shard map from a live writer; wait for the first 200. */
async function waitUntilAccepting(url: string, body: Uint8Array, gzip: boolean): Promise<void> {
  const headers: Record<string, string> = { "content-type": "application/x-protobuf", ...(gzip ? { "content-encoding": "gzip" } : {}) };
  const deadline = Date.now() + 60_000;
  for (;;) {
    let problem: string;
    try {
      const response = await fetch(url, { method: "POST", headers, body });
      const text = await response.text();
      if (response.status === 200) return;
      problem = `HTTP ${response.status}: ${text.slice(0, 300)}`;
    } catch (err) {
      problem = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`the acceptor is still not accepting after 60 s: ${problem}`);
    await Bun.sleep(250);
  }
}
