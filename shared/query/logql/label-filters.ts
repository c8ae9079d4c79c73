/**
 * Label filters as Loki runs them (pkg/logql/log/label_filter.go): a missing label drops the
 * entry for a numeric/duration/bytes comparison; a value that does not convert keeps the
 * entry and sets `__error__=LabelFilterErr` (only a string filter can then drop it); `and`
 * runs both sides, `or` stops at the first that keeps.
 */
import type { ComparisonOp, LabelFilterExpr, LabelMatcher } from "./ast.ts";
import { compileIpPattern } from "./ip.ts";
import { LABEL_FILTER_ERROR, type LabelsBuilder } from "./labels-builder.ts";
import { compileRE2 } from "./re2.ts";
import { goDurationSeconds, parseBytes } from "./units.ts";

export type LabelPredicate = (lbs: LabelsBuilder) => boolean;

/** Go's strconv.ParseFloat: decimal, exponent, hex float, inf/nan, `_` only between digits of a prefixed number. */
export function goParseFloat(text: string): number | undefined {
  if (!/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|0[xX][0-9a-fA-F]+(\.[0-9a-fA-F]*)?([pP][+-]?\d+)?|inf(inity)?|nan)$/i.test(text)) return undefined;
  const lower = text.toLowerCase();
  if (lower.includes("inf")) return lower.startsWith("-") ? -Infinity : Infinity;
  if (lower.includes("nan")) return NaN;
  if (/0x/i.test(text)) {
    const m = /^([+-]?)0x([0-9a-f]+)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/i.exec(text)!;
    const mant = parseInt(m[2]!, 16) + (m[3] ? parseInt(m[3], 16) / 16 ** m[3].length : 0);
    const v = mant * 2 ** Number(m[4] ?? 0);
    return m[1] === "-" ? -v : v;
  }
  return Number(text);
}

export function compareNumbers(op: ComparisonOp, a: number, b: number): boolean {
  switch (op) {
    case "==": return a === b;
    case "!=": return a !== b;
    case ">": return a > b;
    case ">=": return a >= b;
    case "<": return a < b;
    case "<=": return a <= b;
  }
}

/** A compiled label matcher over a value (a missing label is ""). */
export function compileValueMatcher(m: LabelMatcher): (value: string) => boolean {
  switch (m.op) {
    case "=":
      return (v) => v === m.value;
    case "!=":
      return (v) => v !== m.value;
    case "=~": {
      const re = compileRE2(m.value, true);
      return (v) => re.test(v);
    }
    case "!~": {
      const re = compileRE2(m.value, true);
      return (v) => !re.test(v);
    }
  }
}

export function compileLabelFilter(f: LabelFilterExpr): LabelPredicate {
  switch (f.kind) {
    case "and": {
      const l = compileLabelFilter(f.left);
      const r = compileLabelFilter(f.right);
      return (lbs) => {
        const lok = l(lbs);
        const rok = r(lbs);
        return lok && rok;
      };
    }
    case "or": {
      const l = compileLabelFilter(f.left);
      const r = compileLabelFilter(f.right);
      return (lbs) => l(lbs) || r(lbs);
    }
    case "string": {
      const test = compileValueMatcher(f.matcher);
      return (lbs) => test(lbs.value(f.matcher.name));
    }
    case "ip": {
      const matches = compileIpPattern(f.cidr);
      return (lbs) => {
        const v = lbs.get(f.name);
        if (v === undefined) return false;
        return matches(v) !== f.negated;
      };
    }
    default: {
      const convert = f.kind === "number" ? goParseFloat : f.kind === "duration" ? goDurationSeconds : parseBytes;
      const what = f.kind === "number" ? "strconv.ParseFloat" : f.kind === "duration" ? "time.ParseDuration" : "humanize.ParseBytes";
      return (lbs) => {
        const v = lbs.get(f.name);
        if (v === undefined) return false;
        const n = convert(v);
        if (n === undefined) {
          if (!lbs.err) lbs.setError(LABEL_FILTER_ERROR, `${what}: parsing ${JSON.stringify(v)}: invalid syntax`);
          return true;
        }
        return compareNumbers(f.op, n, f.value);
      };
    }
  }
}
