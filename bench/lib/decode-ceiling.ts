/**
 * The ingest ceiling: the same request bodies decoded by the acceptor's own decoder, with
 * the acceptor's own options (decodeExport → Arrow RecordBatch in the wire form) and
 * nothing else, in this process. Charged with the
 * whole process's CPU time (main thread + GC/JIT helper threads), like the role processes.
 *
 * Timed in windows of about half a second; the figure is their median, so a moment when the
 * machine is slow (these VMs have them: one 5 s window read anywhere from 5.4 to 10.9 CPU s
 * per million spans) moves it less than it moves one long window. The spread is reported too.
 */
import { ACCEPTOR_DECODE } from "../../services/acceptor/ingest.ts";
import { decodeExport } from "../../shared/otlp/index.ts";

export interface DecodeCeiling {
  spans: number;
  cpuSeconds: number;
  wallSeconds: number;
  /** Spans decoded per CPU-second: the median window's. */
  spansPerCpuSecond: number;
  /** The slowest and fastest windows' spans per CPU-second. */
  range: [number, number];
}

const WINDOW_SECONDS = 0.5;

const processCpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

export function measureDecodeCeiling(bodies: Uint8Array[], seconds: number): DecodeCeiling {
  for (let i = 0; i < 40; i++) decodeExport("traces", bodies[i % bodies.length]!, "protobuf", `warmup-${i}`, ACCEPTOR_DECODE); // JIT
  Bun.gc(true);
  const rates: number[] = [];
  let spans = 0;
  let cpuSeconds = 0;
  const t0 = performance.now();
  for (let i = 0; performance.now() - t0 < seconds * 1000; ) {
    const windowStart = performance.now();
    const cpu0 = processCpuSeconds();
    let windowSpans = 0;
    while (performance.now() - windowStart < WINDOW_SECONDS * 1000) {
      windowSpans += decodeExport("traces", bodies[i++ % bodies.length]!, "protobuf", crypto.randomUUID(), ACCEPTOR_DECODE).accepted;
    }
    const windowCpu = processCpuSeconds() - cpu0;
    rates.push(windowSpans / windowCpu);
    spans += windowSpans;
    cpuSeconds += windowCpu;
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  const sorted = rates.sort((a, b) => a - b);
  return { spans, cpuSeconds, wallSeconds, spansPerCpuSecond: sorted[sorted.length >> 1]!, range: [sorted[0]!, sorted[sorted.length - 1]!] };
}
