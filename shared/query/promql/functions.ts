import type { ValueType } from "./ast.ts";

/**
 * Signatures of PromQL's functions as Prometheus 2.x declares them: argument types, how many
 * trailing arguments are optional (`variadic`: that many more of the last type, -1 any number),
 * and the result type. The parser checks calls against them.
 */
export interface FunctionSignature {
  args: ValueType[];
  variadic: number;
  returns: ValueType;
}

const v = "vector" as const;
const m = "matrix" as const;
const s = "scalar" as const;
const str = "string" as const;

const sig = (args: ValueType[], returns: ValueType, variadic = 0): FunctionSignature => ({ args, returns, variadic });

const instantMath = [
  "abs", "ceil", "floor", "exp", "sqrt", "ln", "log2", "log10", "sgn", "deg", "rad",
  "acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "sin", "sinh", "tan", "tanh",
];
const overTime = [
  "avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "count_over_time",
  "stddev_over_time", "stdvar_over_time", "last_over_time", "present_over_time", "absent_over_time",
  "changes", "resets", "delta", "deriv", "idelta", "increase", "irate", "rate",
];
const calendar = ["day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year"];

export const FUNCTIONS: Record<string, FunctionSignature> = {
  ...Object.fromEntries(instantMath.map((name) => [name, sig([v], v)])),
  ...Object.fromEntries(overTime.map((name) => [name, sig([m], v)])),
  ...Object.fromEntries(calendar.map((name) => [name, sig([v], v, 1)])),
  absent: sig([v], v),
  clamp: sig([v, s, s], v),
  clamp_max: sig([v, s], v),
  clamp_min: sig([v, s], v),
  histogram_count: sig([v], v),
  histogram_sum: sig([v], v),
  histogram_fraction: sig([s, s, v], v),
  histogram_quantile: sig([s, v], v),
  holt_winters: sig([m, s, s], v),
  label_join: sig([v, str, str, str], v, -1),
  label_replace: sig([v, str, str, str, str], v),
  pi: sig([], s),
  predict_linear: sig([m, s], v),
  quantile_over_time: sig([s, m], v),
  round: sig([v, s], v, 1),
  scalar: sig([v], s),
  sort: sig([v], v),
  sort_desc: sig([v], v),
  time: sig([], s),
  timestamp: sig([v], v),
  vector: sig([s], v),
};

/**
 * Functions the grammar knows that Prometheus 2.x does not have: calling one is a parse error
 * naming it, as Prometheus 2.x answers.
 */
export function isKnownFunction(name: string): boolean {
  return Object.hasOwn(FUNCTIONS, name);
}
