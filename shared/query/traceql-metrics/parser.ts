/**
 * A TraceQL metrics query as the evaluator reads it, from the language's parser
 * (shared/query/traceql): the spanset part, the first stage (function, measured field,
 * quantiles, by()) and the second stages. Errors are TraceQLErrors (400) with a position.
 */
import {
  parseTraceQL, TraceQLError, type FieldRef, type Literal, type MetricsExpr, type SecondStage as LanguageSecondStage,
} from "../traceql/index.ts";
import {
  METRICS_INTRINSICS, type HintValue, type MetricsAttribute, type MetricsIntrinsic, type MetricsQuery, type SecondStage,
} from "./ast.ts";

/** Intrinsics by the language's canonical name → the metrics evaluator's. */
const INTRINSIC_NAMES: Readonly<Record<string, MetricsIntrinsic>> = {
  "span:duration": "duration", "span:name": "name", "span:status": "status", "span:kind": "kind",
  "span:statusMessage": "statusMessage", "trace:rootName": "rootName", "trace:rootService": "rootServiceName",
  "trace:duration": "traceDuration", "span:id": "spanID", "trace:id": "traceID",
};

/** True when the text parses as a metrics query (parse errors answer false). */
export function isMetricsQuery(query: string): boolean {
  try {
    return parseTraceQL(query).kind === "metrics";
  } catch {
    return false;
  }
}

export function parseMetricsQuery(query: string): MetricsQuery {
  const parsed = parseTraceQL(query);
  if (parsed.kind !== "metrics") {
    throw new TraceQLError("not a metrics query", query.length, "| followed by a metrics function such as rate() (searches go to /api/search)");
  }
  const expr = pipelineOf(parsed.expr);
  const hints: Record<string, HintValue> = {};
  for (const [name, literal] of Object.entries(parsed.hints)) hints[name] = hintValue(literal);
  const agg = expr.aggregation;
  const second = expr.stages.map(secondStage);
  if (agg.type === "compare") {
    return {
      spanset: expr.pipeline,
      stage: {
        fn: "compare", by: [], pos: agg.pos,
        compare: { filter: agg.filter, topN: agg.topN, startNs: agg.start === 0n ? undefined : agg.start, endNs: agg.end === 0n ? undefined : agg.end },
      },
      second,
      hints,
    };
  }
  return {
    spanset: expr.pipeline,
    stage: {
      fn: agg.fn,
      attribute: agg.attribute ? attributeOf(agg.attribute) : undefined,
      quantiles: agg.fn === "quantile_over_time" ? agg.quantiles : undefined,
      by: agg.by.map(attributeOf),
      pos: agg.pos,
    },
    second,
    hints,
  };
}

function pipelineOf(expr: MetricsExpr): Extract<MetricsExpr, { type: "metrics_pipeline" }> {
  if (expr.type === "metrics_pipeline") return expr;
  throw new TraceQLError("arithmetic between metrics queries is not supported", expr.pos, "one metrics pipeline ({...} | rate() ...)");
}

function secondStage(s: LanguageSecondStage): SecondStage {
  if (s.type === "metrics_filter") return { op: "filter", compare: s.op, value: s.value, pos: s.pos };
  return { op: s.type, limit: s.limit, pos: s.pos };
}

function attributeOf(ref: FieldRef): MetricsAttribute {
  if (ref.type === "intrinsic") {
    const name = INTRINSIC_NAMES[ref.name];
    if (name === undefined || !(METRICS_INTRINSICS as readonly string[]).includes(name)) {
      throw new TraceQLError(`${ref.text} is not supported in metrics functions and by()`, ref.pos, `one of ${METRICS_INTRINSICS.join(", ")} or a span or resource attribute`);
    }
    return { type: "intrinsic", name, label: ref.text, pos: ref.pos };
  }
  if (ref.parent || (ref.scope !== "span" && ref.scope !== "resource" && ref.scope !== "unscoped")) {
    throw new TraceQLError(`${ref.scope} attributes are not supported in metrics functions and by()`, ref.pos, "a span, resource or unscoped attribute");
  }
  const label = ref.scope === "unscoped" ? `.${ref.name}` : `${ref.scope}.${ref.name}`;
  return { type: "attribute", scope: ref.scope, name: ref.name, label, pos: ref.pos };
}

function hintValue(l: Literal): HintValue {
  switch (l.type) {
    case "int":
    case "duration":
      return Number(l.value);
    case "float":
    case "bool":
      return l.value;
    case "nil":
      return "nil";
    default:
      return String(l.value);
  }
}
