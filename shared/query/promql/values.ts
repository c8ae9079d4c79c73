import type { StepSeries, WindowSeries } from "../../series/grid.ts";

/** What a PromQL expression evaluates to over a step grid. */
export type Value = ScalarValue | VectorValue | MatrixValue | StringValue;

export interface ScalarValue {
  kind: "scalar";
  values: Float64Array;
}

export interface VectorValue {
  kind: "vector";
  series: StepSeries[];
}

/**
 * A range vector: each series' samples, and the window each step sees — the samples with
 * `windowEndsMs[i] - rangeMs <= t <= windowEndsMs[i]`.
 */
export interface MatrixValue {
  kind: "matrix";
  series: WindowSeries[];
  rangeMs: number;
  windowEndsMs: Float64Array;
}

export interface StringValue {
  kind: "string";
  value: string;
}

/** Evaluation times of the steps being computed (milliseconds). */
export interface Frame {
  times: Float64Array;
}
