import { SeriesEngineError } from "./errors.ts";
import { emptyStepSeries, type StepSeries } from "./grid.ts";
import { formatLabels, labelsKey } from "./labels.ts";
import type { Labels } from "./types.ts";

/**
 * Element-wise operations between two instant vectors, with the matching rules of PromQL's
 * vector matching but with the language's choices (which labels identify a match, what the
 * result is called) passed in as functions.
 */

/**
 * One element operation: the value it yields and, for a filter (a comparison), whether the
 * element is kept. Two functions rather than one returning a pair: they run per element per step.
 */
export interface ElementOp {
  value: (left: number, right: number) => number;
  keep?: (left: number, right: number) => boolean;
}

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

/** A result series of a matched pair: its labels, their key, and where its values go. */
interface PairResult {
  labels: Labels;
  key: string;
  series?: StepSeries;
}

class OutputSeries {
  private readonly byKey = new Map<string, StepSeries>();
  constructor(private readonly count: number) {}
  add(result: PairResult, step: number, value: number, duplicateMessage: string): void {
    let series = result.series;
    if (!series) {
      series = this.byKey.get(result.key);
      if (!series) this.byKey.set(result.key, (series = emptyStepSeries(result.labels, this.count)));
      result.series = series;
    }
    if (series.present[step]) throw new SeriesEngineError(duplicateMessage);
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
  // Signatures become small integers once, so each step works on arrays instead of string maps.
  const sigIds = new Map<string, number>();
  const idOf = (labels: Labels) => {
    const sig = rules.signature(labels);
    let id = sigIds.get(sig);
    if (id === undefined) sigIds.set(sig, (id = sigIds.size));
    return id;
  };
  const manyIds = many.map((s) => idOf(s.labels));
  const oneIds = one.map((s) => idOf(s.labels));
  const holder = new Int32Array(sigIds.size);
  const heldAt = new Int32Array(sigIds.size).fill(-1);
  const matchedAt = new Int32Array(sigIds.size).fill(-1);
  // Result labels depend only on the pair matched; pairs repeat from step to step.
  const results = new Map<number, PairResult>();
  const out = new OutputSeries(count);
  for (let step = 0; step < count; step++) {
    for (let i = 0; i < one.length; i++) {
      const s = one[i];
      if (!s.present[step]) continue;
      const id = oneIds[i];
      if (heldAt[id] === step) {
        const dup = one[holder[id]];
        throw new SeriesEngineError(
          `found duplicate series for the match group ${formatLabels(rules.matchedLabels(s.labels))} on the ${oneToMany ? "left" : "right"} hand-side of the operation: [${formatLabels(s.labels)}, ${formatLabels(dup.labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
        );
      }
      heldAt[id] = step;
      holder[id] = i;
    }
    for (let i = 0; i < many.length; i++) {
      const ms = many[i];
      if (!ms.present[step]) continue;
      const id = manyIds[i];
      if (heldAt[id] !== step) continue;
      const oi = holder[id];
      const os = one[oi];
      const left = oneToMany ? os.values[step] : ms.values[step];
      const right = oneToMany ? ms.values[step] : os.values[step];
      const keep = op.keep === undefined || op.keep(left, right);
      let value: number;
      if (returnBool) value = keep ? 1 : 0;
      else if (!keep) continue;
      else value = op.value(left, right);
      const pair = i * one.length + oi;
      let result = results.get(pair);
      if (!result) {
        const labels = rules.resultLabels(ms.labels, os.labels);
        results.set(pair, (result = { labels, key: labelsKey(labels) }));
      }
      if (rules.cardinality === "one-to-one") {
        if (matchedAt[id] === step) {
          throw new SeriesEngineError("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
        }
        matchedAt[id] = step;
      }
      // Two matches giving one result series at one step share a signature (the result keeps
      // the labels the signature is made of), so this is the grouping labels' fault.
      out.add(result, step, value, "multiple matches for matching labels: grouping labels must ensure unique matches");
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
