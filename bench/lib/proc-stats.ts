/**
 * Per-process CPU time and memory from /proc (Linux), so a benchmark can charge CPU
 * seconds to each process it started — robust to other load on the machine, unlike wall time.
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";

/** Kernel clock ticks per second for /proc/<pid>/stat times (USER_HZ; 100 on every mainstream Linux). */
const CLOCK_TICKS = 100;

/** utime + stime of `pid` (all its threads), in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces; fields are counted after its closing paren.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / CLOCK_TICKS;
}

/** Minor page faults of `pid` so far: first touches of fresh memory, costly in a VM. */
export function minorFaults(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[7]);
}

export interface MemoryStats {
  /** Current resident set, bytes. */
  rss: number;
  /** Peak resident set since the process started (VmHWM), bytes. */
  peakRss: number;
}

export function memory(pid: number): MemoryStats {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (key: string) => Number(/\s(\d+) kB/.exec(status.slice(status.indexOf(`${key}:`)))?.[1] ?? NaN) * 1024;
  return { rss: kib("VmRSS"), peakRss: kib("VmHWM") };
}

/** 1-minute load average, to print next to every figure measured on a shared machine. */
export function load1(): number {
  return loadavg()[0]!;
}
