import { mergeSameLabels, type StepSeries } from "../../series/grid.ts";
import { keepLabels, labelsKey, withoutLabels } from "../../series/labels.ts";
import { type Labels, METRIC_NAME_LABEL } from "../../series/types.ts";
import { PromQLError } from "./errors.ts";

/** PromQL's rules for the labels of computed series. */

export function dropName(labels: Labels): Labels {
  if (!(METRIC_NAME_LABEL in labels)) return labels;
  return withoutLabels(labels, [METRIC_NAME_LABEL]);
}

export function duplicateLabelsetError(): PromQLError {
  return new PromQLError("execution", "vector cannot contain metrics with the same labelset");
}

/**
 * Series whose labels became equal (a dropped name, a rewritten label) are one series; if two of
 * them have a value at the same step the query fails, as in Prometheus.
 */
export function mergeSteps(series: readonly StepSeries[]): StepSeries[] {
  return mergeSameLabels(series, labelsKey, duplicateLabelsetError);
}

/** Range-vector functions fail when two output series share labels at all (Prometheus's check). */
export function requireDistinct(series: StepSeries[]): StepSeries[] {
  const seen = new Set<string>();
  for (const s of series) {
    const key = labelsKey(s.labels);
    if (seen.has(key)) throw duplicateLabelsetError();
    seen.add(key);
  }
  return series;
}

/** The labels an aggregation groups by: `by` keeps the listed ones, `without` drops them and the name. */
export function groupingOf(grouping: readonly string[], without: boolean): (labels: Labels) => Labels {
  if (without) {
    const drop = [...grouping, METRIC_NAME_LABEL];
    return (l) => withoutLabels(l, drop);
  }
  return (l) => keepLabels(l, grouping);
}
