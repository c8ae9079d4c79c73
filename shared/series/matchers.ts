import type { LabelMatcher, Labels, RawSeries, SelectRequest, SeriesSource } from "./types.ts";
import { compareLabels } from "./labels.ts";
import { firstAtOrAfter, lastAtOrBefore } from "./samples.ts";

/**
 * Compiles a Go RE2 pattern (Prometheus's regex dialect) to a fully anchored JavaScript RegExp.
 * Handles the RE2 spellings JavaScript lacks: leading flag groups `(?i)`/`(?s)`/`(?m)` and
 * named groups `(?P<name>…)`. Throws SyntaxError on an invalid pattern.
 */
export function compileAnchoredRegex(pattern: string): RegExp {
  let flags = "";
  let body = pattern;
  const flagGroup = /^\(\?([imsU]+)\)/.exec(body);
  if (flagGroup) {
    for (const f of flagGroup[1]) if (f !== "U" && !flags.includes(f)) flags += f;
    body = body.slice(flagGroup[0].length);
  }
  body = body.replace(/\(\?P</g, "(?<").replace(/\\z/g, "$");
  return new RegExp(`^(?:${body})$`, flags);
}

/** A matcher ready to test label values (an absent label has the value ""). */
export type CompiledMatcher = (labels: Labels) => boolean;

export function compileMatcher(m: LabelMatcher): CompiledMatcher {
  switch (m.op) {
    case "=":
      return (l) => (l[m.name] ?? "") === m.value;
    case "!=":
      return (l) => (l[m.name] ?? "") !== m.value;
    case "=~": {
      const re = compileAnchoredRegex(m.value);
      return (l) => re.test(l[m.name] ?? "");
    }
    case "!~": {
      const re = compileAnchoredRegex(m.value);
      return (l) => !re.test(l[m.name] ?? "");
    }
  }
}

export function matchesAll(matchers: readonly CompiledMatcher[], labels: Labels): boolean {
  for (const m of matchers) if (!m(labels)) return false;
  return true;
}

/**
 * A SeriesSource over series held in memory: what tests and small embedded uses query. Series
 * are answered in label order, samples cut to the requested range.
 */
export class MemorySeriesSource implements SeriesSource {
  private readonly series: RawSeries[];
  /** How many select calls were answered, for tests that check push-down. */
  selects: SelectRequest[] = [];

  constructor(series: readonly RawSeries[]) {
    this.series = series.slice().sort((a, b) => compareLabels(a.labels, b.labels));
  }

  async select(request: SelectRequest, signal?: AbortSignal): Promise<RawSeries[]> {
    signal?.throwIfAborted();
    this.selects.push(request);
    const matchers = request.matchers.map(compileMatcher);
    const out: RawSeries[] = [];
    for (const s of this.series) {
      if (!matchesAll(matchers, s.labels)) continue;
      const from = firstAtOrAfter(s.timestampsMs, request.startMs);
      const to = lastAtOrBefore(s.timestampsMs, request.endMs) + 1;
      if (to <= from) continue;
      out.push({ labels: s.labels, timestampsMs: s.timestampsMs.subarray(from, to), values: s.values.subarray(from, to) });
    }
    return out;
  }
}
