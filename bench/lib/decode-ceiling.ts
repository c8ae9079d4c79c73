/**
 * The ingest ceiling: the same request bodies decoded by the acceptor's own decoder, with
 * the acceptor's own options (decodeExport → Arrow RecordBatch in the wire form) and
 * nothing else, in this process. Charged with the
 * whole process's CPU time (main thread + GC/JIT helper threads), like the role processes.
 */
import { ACCEPTOR_DECODE } from "../../services/acceptor/ingest.ts";
import { decodeExport } from "../../shared/signals/index.ts";

export interface DecodeCeiling {
  spans: number;
  cpuSeconds: number;
  wallSeconds: number;
  /** Spans decoded per CPU-second. */
  spansPerCpuSecond: number;
}

const processCpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

export function measureDecodeCeiling(bodies: Uint8Array[], seconds: number): DecodeCeiling {
  for (let i = 0; i < 40; i++) decodeExport("traces", bodies[i % bodies.length]!, "protobuf", `warmup-${i}`, ACCEPTOR_DECODE); // JIT
  Bun.gc(true);
  let spans = 0;
  const cpu0 = processCpuSeconds();
  const t0 = performance.now();
  for (let i = 0; performance.now() - t0 < seconds * 1000; i++) {
    spans += decodeExport("traces", bodies[i % bodies.length]!, "protobuf", crypto.randomUUID(), ACCEPTOR_DECODE).accepted;
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpuSeconds = processCpuSeconds() - cpu0;
  return { spans, cpuSeconds, wallSeconds, spansPerCpuSecond: spans / cpuSeconds };
}
