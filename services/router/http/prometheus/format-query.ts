/**
 * `format_query`: a parsed PromQL expression printed back in Prometheus's canonical form
 * (its `String()`: `sum by (job) (rate(x[5m]))`, `a + on (i) group_left (j) b`, durations as
 * `1h30m`, numbers as Go prints them). Prometheus also breaks expressions longer than 100
 * characters over several indented lines; this prints them on one line.
 */
import { formatValue, type Expr, type VectorSelector, type AtModifier } from "../../../../shared/query/promql/index.ts";

export function formatExpr(e: Expr): string {
  switch (e.type) {
    case "NumberLiteral":
      return formatValue(e.value);
    case "StringLiteral":
      return JSON.stringify(e.value);
    case "VectorSelector":
      return selector(e) + modifiers(e.offsetMs, e.at);
    case "MatrixSelector":
      return `${selector(e.selector)}[${duration(e.rangeMs)}]${modifiers(e.selector.offsetMs, e.selector.at)}`;
    case "Subquery":
      return `${formatExpr(e.expr)}[${duration(e.rangeMs)}:${e.stepMs === undefined ? "" : duration(e.stepMs)}]${modifiers(e.offsetMs, e.at)}`;
    case "Call":
      return `${e.func}(${e.args.map(formatExpr).join(", ")})`;
    case "Aggregate": {
      const grouping = e.without ? ` without (${e.grouping.join(", ")}) ` : e.grouping.length > 0 ? ` by (${e.grouping.join(", ")}) ` : "";
      const args = e.param ? `${formatExpr(e.param)}, ${formatExpr(e.expr)}` : formatExpr(e.expr);
      return `${e.op}${grouping}(${args})`;
    }
    case "Binary": {
      let op = e.op as string;
      if (e.returnBool) op += " bool";
      const m = e.matching;
      if (m && (m.on || m.labels.length > 0)) op += ` ${m.on ? "on" : "ignoring"} (${m.labels.join(", ")})`;
      if (m && (m.card === "many-to-one" || m.card === "one-to-many")) op += ` ${m.card === "many-to-one" ? "group_left" : "group_right"} (${m.include.join(", ")})`;
      return `${formatExpr(e.lhs)} ${op} ${formatExpr(e.rhs)}`;
    }
    case "Unary":
      return `${e.op}${formatExpr(e.expr)}`;
    case "Paren":
      return `(${formatExpr(e.expr)})`;
  }
}

function selector(s: VectorSelector): string {
  const name = s.matchers.find((m) => m.name === "__name__" && m.op === "=");
  const rest = s.matchers.filter((m) => m !== name).map((m) => `${labelName(m.name)}${m.op}${JSON.stringify(m.value)}`);
  if (name && !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name.value)) return `{${[JSON.stringify(name.value), ...rest].join(", ")}}`;
  if (!name) return `{${rest.join(", ")}}`;
  return rest.length === 0 ? name.value : `${name.value}{${rest.join(", ")}}`;
}

function labelName(name: string): string {
  return /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) ? name : JSON.stringify(name);
}

function modifiers(offsetMs: number, at: AtModifier | undefined): string {
  let out = "";
  if (at) out += at.kind === "time" ? ` @ ${(at.ms / 1000).toFixed(3)}` : ` @ ${at.kind}()`;
  if (offsetMs > 0) out += ` offset ${duration(offsetMs)}`;
  else if (offsetMs < 0) out += ` offset -${duration(-offsetMs)}`;
  return out;
}

const UNITS: [string, number][] = [["y", 365 * 86_400_000], ["w", 7 * 86_400_000], ["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000], ["ms", 1]];

/** Prometheus's model.Duration printing: largest units first, `0s` for zero. */
export function duration(ms: number): string {
  if (ms === 0) return "0s";
  let left = ms;
  let out = "";
  for (const [unit, size] of UNITS) {
    const n = Math.floor(left / size);
    if (n > 0) {
      out += `${n}${unit}`;
      left -= n * size;
    }
  }
  return out;
}
