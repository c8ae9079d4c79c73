/**
 * Spansets of one trace, as Tempo's engine computes them (`ast_execute.go`): the query starts
 * from one spanset holding every span of the trace; a filter keeps the spans it matches and
 * drops a spanset left empty; `&&` / `||` and the structural operators evaluate both sides
 * on the same input and combine their spans; pipeline stages map spansets to spansets
 * (`by()` splits, `coalesce()` merges, scalar filters keep those whose aggregate compares
 * true and record it as a spanset attribute).
 */
import { QueryError } from "../../../../shared/query/index.ts";
import { aggregateText, fieldText, type Aggregate, type PipelineStage, type SpansetExpr, type SpansetOp } from "../../../../shared/query/traceql/index.ts";
import { evaluate, isTrue } from "./field-eval.ts";
import type { EvalSpan } from "./trace-model.ts";
import { arithmetic, compare, literalValue, numberOf, valueKey, type Value } from "./values.ts";

export interface Spanset {
  spans: EvalSpan[];
  /** Spanset attributes: by() groups, aggregates (Tempo's `SpanSet.attributes`). */
  attributes: Array<[string, Value | null]>;
}

/** `legacy`: the search's legacy conditions (tags, min/max duration) narrow every filter. */
export function evaluateSpansets(expr: SpansetExpr, input: Spanset[], legacy: boolean): Spanset[] {
  switch (expr.type) {
    case "filter":
      return input.flatMap((ss) => {
        const spans = ss.spans.filter((s) => (!legacy || s.row._legacy) && isTrue(evaluate(expr.expr, s)));
        return spans.length > 0 ? [{ spans, attributes: ss.attributes }] : [];
      });
    case "spanset_op":
      if (input.length > 1) {
        throw QueryError.invalid("TraceQL: spanset operators are not supported for multiple spansets per trace; consider using coalesce()");
      }
      return input.flatMap((ss) => {
        const l = unique(evaluateSpansets(expr.left, [ss], legacy).flatMap((x) => x.spans));
        const r = unique(evaluateSpansets(expr.right, [ss], legacy).flatMap((x) => x.spans));
        const spans = combine(expr.op, l, r);
        return spans.length > 0 ? [{ spans, attributes: ss.attributes }] : [];
      });
    case "pipeline":
      return expr.stages.reduce((sets, stage) => evaluateStage(stage, sets, legacy), input);
  }
}

function evaluateStage(stage: PipelineStage, input: Spanset[], legacy: boolean): Spanset[] {
  switch (stage.type) {
    case "by": {
      const key = `by(${fieldText(stage.field)})`;
      return input.flatMap((ss) => {
        const groups = new Map<string, Spanset>();
        for (const s of ss.spans) {
          const v = evaluate(stage.field, s);
          const k = valueKey(v);
          let g = groups.get(k);
          if (g === undefined) groups.set(k, (g = { spans: [], attributes: [...ss.attributes, [key, v]] }));
          g.spans.push(s);
        }
        return [...groups.values()];
      });
    }
    case "coalesce":
      return input.length === 0 ? [] : [{ spans: unique(input.flatMap((ss) => ss.spans)), attributes: [] }];
    case "select":
      // Selected attributes are added to every result span when the answer is written.
      return input;
    case "scalar_filter": {
      const aggregate = stage.left as Aggregate;
      const bound = stage.right.type === "aggregate" || stage.right.type === "scalar_op" ? null : literalValue(stage.right);
      return input.flatMap((ss) => {
        const value = aggregateOf(aggregate, ss.spans);
        return compare(stage.op, value, bound) ? [{ spans: ss.spans, attributes: [...ss.attributes, [aggregateText(aggregate), value]] }] : [];
      });
    }
    default:
      return evaluateSpansets(stage, input, legacy);
  }
}

function aggregateOf(a: Aggregate, spans: EvalSpan[]): Value | null {
  if (a.fn === "count") return { t: "int", v: BigInt(spans.length) };
  const values = spans.map((s) => evaluate(a.field!, s)).filter((v): v is Value => numberOf(v) !== null);
  if (values.length === 0) return null;
  switch (a.fn) {
    case "sum":
      return values.reduce<Value | null>((acc, v) => arithmetic("+", acc, v), values[0]!.t === "float" ? { t: "float", v: 0 } : { t: values[0]!.t as "int", v: 0n });
    case "avg": {
      const total = values.reduce((acc, v) => acc + numberOf(v)!, 0) / values.length;
      return values[0]!.t === "duration" ? { t: "duration", v: BigInt(Math.round(total)) } : { t: "float", v: total };
    }
    case "min":
      return values.reduce((m, v) => (compare("<", v, m) ? v : m));
    case "max":
      return values.reduce((m, v) => (compare(">", v, m) ? v : m));
  }
}

function unique(spans: EvalSpan[]): EvalSpan[] {
  return [...new Set(spans)];
}

/** The spans a spanset operator answers, from the left and right spans of one trace. */
function combine(op: SpansetOp, l: EvalSpan[], r: EvalSpan[]): EvalSpan[] {
  switch (op) {
    case "&&":
      return l.length > 0 && r.length > 0 ? unique([...l, ...r]) : [];
    case "||":
      return unique([...l, ...r]);
  }
  const relation = op.replace(/^[!&]/, "") as ">" | "<" | ">>" | "<<" | "~";
  const related = RELATIONS[relation];
  const left = new Set(l);
  if (op.startsWith("!")) return r.filter((s) => !related(s, left));
  const matchedRight = r.filter((s) => related(s, left));
  if (!op.startsWith("&")) return matchedRight;
  // Union: the right spans so related, and the left spans they relate to.
  const right = new Set(r);
  const matchedLeft = l.filter((s) => RELATIONS[INVERSE[relation]](s, right));
  return unique([...matchedLeft, ...matchedRight]);
}

const INVERSE = { ">": "<", "<": ">", ">>": "<<", "<<": ">>", "~": "~" } as const;

/** Is `s` (a right-hand span) so related to one of `left`? `A > B`: B's parent is in A, ... */
const RELATIONS: Record<">" | "<" | ">>" | "<<" | "~", (s: EvalSpan, left: Set<EvalSpan>) => boolean> = {
  ">": (s, left) => s.parent !== null && left.has(s.parent),
  "<": (s, left) => s.children.some((c) => left.has(c)),
  ">>": (s, left) => {
    for (let p = s.parent, hops = 0; p !== null && hops < 100_000; p = p.parent, hops++) if (left.has(p)) return true;
    return false;
  },
  "<<": (s, left) => {
    for (const l of left) for (let p = l.parent, hops = 0; p !== null && hops < 100_000; p = p.parent, hops++) if (p === s) return true;
    return false;
  },
  "~": (s, left) => s.parent !== null && s.parent.children.some((c) => c !== s && left.has(c)),
};
