import { SeriesEngineError } from "./errors.ts";
import { emptyStepSeries, type StepSeries } from "./grid.ts";
import { formatLabels, labelsKey } from "./labels.ts";
import type { Labels } from "./types.ts";

/**
 * Element-wise operations between two instant vectors, with the matching rules of PromQL's
 * vector matching but with the language's choices (which labels identify a match, what the
 * result is called) passed in as functions.
 */

/** Result of one element operation: the value and whether the element is kept. */
export type ElementOp = (left: number, right: number) => { value: number; keep: boolean };

export type Cardinality = "one-to-one" | "many-to-one" | "one-to-many";

export interface MatchRules {
  cardinality: Cardinality;
  /** The match signature of a series (labels on which both sides must agree). */
  signature: (labels: Labels) => string;
  /** The labels the signature is made of, for error messages. */
  matchedLabels: (labels: Labels) => Labels;
  /** Labels of a result element from its left and right (the "one" side's) series. */
  resultLabels: (left: Labels, right: Labels) => Labels;
}

class OutputSeries {
  private readonly byKey = new Map<string, StepSeries>();
  constructor(private readonly count: number) {}
  add(labels: Labels, key: string, step: number, value: number): void {
    let series = this.byKey.get(key);
    if (!series) this.byKey.set(key, (series = emptyStepSeries(labels, this.count)));
    if (series.present[step]) throw new SeriesEngineError("vector cannot contain metrics with the same labelset");
    series.values[step] = value;
    series.present[step] = 1;
  }
  list(): StepSeries[] {
    return [...this.byKey.values()];
  }
}

/**
 * Matches each element of `lhs` with the element of `rhs` sharing its signature, step by step,
 * and applies `op` (left value first, whatever the cardinality). `returnBool` turns a comparison
 * into 0/1 values instead of a filter.
 */
export function matchVectors(
  lhs: readonly StepSeries[],
  rhs: readonly StepSeries[],
  count: number,
  rules: MatchRules,
  op: ElementOp,
  returnBool: boolean,
): StepSeries[] {
  const oneToMany = rules.cardinality === "one-to-many";
  const [many, one] = oneToMany ? [rhs, lhs] : [lhs, rhs];
  const manySigs = many.map((s) => rules.signature(s.labels));
  const oneSigs = one.map((s) => rules.signature(s.labels));
  // Result labels depend only on the pair matched; pairs repeat from step to step.
  const results = new Map<number, { labels: Labels; key: string }>();
  const out = new OutputSeries(count);
  for (let step = 0; step < count; step++) {
    const oneBySig = new Map<string, number>();
    for (let i = 0; i < one.length; i++) {
      const s = one[i];
      if (!s.present[step]) continue;
      const dup = oneBySig.get(oneSigs[i]);
      if (dup !== undefined) {
        throw new SeriesEngineError(
          `found duplicate series for the match group ${formatLabels(rules.matchedLabels(s.labels))} on the ${oneToMany ? "left" : "right"} hand-side of the operation: [${formatLabels(s.labels)}, ${formatLabels(one[dup].labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
        );
      }
      oneBySig.set(oneSigs[i], i);
    }
    const matched = new Map<string, Set<string> | null>();
    for (let i = 0; i < many.length; i++) {
      const ms = many[i];
      if (!ms.present[step]) continue;
      const sig = manySigs[i];
      const oi = oneBySig.get(sig);
      if (oi === undefined) continue;
      const os = one[oi];
      const [left, right] = oneToMany ? [os.values[step], ms.values[step]] : [ms.values[step], os.values[step]];
      let { value, keep } = op(left, right);
      if (returnBool) {
        value = keep ? 1 : 0;
      } else if (!keep) continue;
      const pair = i * one.length + oi;
      let result = results.get(pair);
      if (!result) {
        const labels = rules.resultLabels(ms.labels, os.labels);
        results.set(pair, (result = { labels, key: labelsKey(labels) }));
      }
      const seen = matched.get(sig);
      if (rules.cardinality === "one-to-one") {
        if (seen !== undefined) {
          throw new SeriesEngineError("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
        }
        matched.set(sig, null);
      } else if (!seen) {
        matched.set(sig, new Set([result.key]));
      } else if (seen.has(result.key)) {
        throw new SeriesEngineError("multiple matches for matching labels: grouping labels must ensure unique matches");
      } else {
        seen.add(result.key);
      }
      out.add(result.labels, result.key, step, value);
    }
  }
  return out.list();
}

export type SetOperation = "and" | "or" | "unless";

/**
 * Set operations between vectors: `and` keeps left elements with a right partner, `unless` those
 * without, `or` all left elements plus right elements whose signature no left element has.
 */
export function setOperation(
  lhs: readonly StepSeries[],
  rhs: readonly StepSeries[],
  count: number,
  operation: SetOperation,
  signature: (labels: Labels) => string,
): StepSeries[] {
  const lSigs = lhs.map((s) => signature(s.labels));
  const rSigs = rhs.map((s) => signature(s.labels));
  return setOperationIndexed(lhs, rhs, count, operation, lSigs, rSigs);
}

/** Which signatures each side has at each step decides which elements are kept. */
function setOperationIndexed(
  lhs: readonly StepSeries[],
  rhs: readonly StepSeries[],
  count: number,
  operation: SetOperation,
  lSigs: string[],
  rSigs: string[],
): StepSeries[] {
  const presence = (side: readonly StepSeries[], sigs: string[]) => {
    const bySig = new Map<string, Uint8Array>();
    side.forEach((s, i) => {
      let p = bySig.get(sigs[i]);
      if (!p) bySig.set(sigs[i], (p = new Uint8Array(count)));
      for (let step = 0; step < count; step++) p[step] |= s.present[step];
    });
    return bySig;
  };
  const keep = (side: readonly StepSeries[], sigs: string[], other: Map<string, Uint8Array>, keepIfFound: boolean) => {
    const kept: StepSeries[] = [];
    side.forEach((s, i) => {
      const o = other.get(sigs[i]);
      const present = new Uint8Array(count);
      let any = false;
      for (let step = 0; step < count; step++) {
        if (s.present[step] && (o !== undefined && o[step] === 1) === keepIfFound) {
          present[step] = 1;
          any = true;
        }
      }
      if (any) kept.push({ ...s, present });
    });
    return kept;
  };
  if (operation === "and") return keep(lhs, lSigs, presence(rhs, rSigs), true);
  if (operation === "unless") return keep(lhs, lSigs, presence(rhs, rSigs), false);
  return [...lhs, ...keep(rhs, rSigs, presence(lhs, lSigs), false)];
}
