/**
 * Durations and byte sizes as Loki reads them in queries and in label values: Go's
 * time.ParseDuration (Loki falls back to Prometheus's form for `d`, `w`, `y` in ranges) and
 * go-humanize's ParseBytes (`10KB` is 10 000, `10KiB` 10 240; case-insensitive, a space allowed).
 */
import { durationNs, GO_DURATION, PROMETHEUS_DURATION } from "../../duration/index.ts";

/** A query's range or offset (`5m`, `1h30m`, `7d`), in nanoseconds; undefined when invalid. */
export function rangeDurationNs(text: string): bigint | undefined {
  return durationNs(text, GO_DURATION) ?? durationNs(text, PROMETHEUS_DURATION);
}

/** A Go duration (`-1.5s`, `250ms`, `1h2m`) in seconds; undefined when invalid. */
export function goDurationSeconds(text: string): number | undefined {
  let body = text.trim();
  let sign = 1;
  if (body.startsWith("-") || body.startsWith("+")) {
    if (body[0] === "-") sign = -1;
    body = body.slice(1);
  }
  const ns = durationNs(body, GO_DURATION) ?? (/^\d/.test(body) ? durationNs(body, PROMETHEUS_DURATION) : undefined);
  return ns === undefined ? undefined : (sign * Number(ns)) / 1e9;
}

const BYTE_UNITS: Record<string, number> = {
  "": 1, b: 1,
  k: 1e3, kb: 1e3, kib: 1024, ki: 1024,
  m: 1e6, mb: 1e6, mib: 1024 ** 2, mi: 1024 ** 2,
  g: 1e9, gb: 1e9, gib: 1024 ** 3, gi: 1024 ** 3,
  t: 1e12, tb: 1e12, tib: 1024 ** 4, ti: 1024 ** 4,
  p: 1e15, pb: 1e15, pib: 1024 ** 5, pi: 1024 ** 5,
  e: 1e18, eb: 1e18, eib: 1024 ** 6, ei: 1024 ** 6,
};

/** go-humanize's ParseBytes: `42`, `42 MB`, `1.5GiB`; whole bytes (truncated); undefined when invalid. */
export function parseBytes(text: string): number | undefined {
  const m = /^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?\d+)?|[0-9]+\.)\s*([A-Za-z]*)\s*$/.exec(text.replace(/,/g, ""));
  if (!m) return undefined;
  const unit = BYTE_UNITS[m[2]!.toLowerCase()];
  if (unit === undefined) return undefined;
  const value = Number(m[1]) * unit;
  return Number.isFinite(value) ? Math.trunc(value) : undefined;
}
