/** Durations are written as strings ("250ms", "30s", "5m", "1h", "14d") and used as milliseconds. */
import { CONFIG_DURATION, durationNs } from "../duration/index.ts";

export function parseDuration(text: string): number | undefined {
  const ns = durationNs(text, CONFIG_DURATION);
  return ns === undefined ? undefined : Number(ns) / 1e6;
}
