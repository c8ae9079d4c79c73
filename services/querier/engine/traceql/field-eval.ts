/** Field expressions on one span: attribute and intrinsic lookup, operators (values.ts). */
import type { FieldExpr, FieldRef } from "../../../../shared/query/traceql/index.ts";
import type { AttributeMap, EvalSpan } from "./trace-model.ts";
import { anyValue, arithmetic, compare, FALSE, literalValue, TRUE, type Value } from "./values.ts";

const COMPARISONS = new Set(["=", "!=", ">", ">=", "<", "<=", "=~", "!~"]);

export function evaluate(e: FieldExpr, span: EvalSpan): Value | null {
  switch (e.type) {
    case "attribute":
    case "intrinsic":
      return lookup(e, span);
    case "unary": {
      const v = evaluate(e.operand, span);
      switch (e.op) {
        case "exists":
          return v === null ? FALSE : TRUE;
        case "not_exists":
          return v === null ? TRUE : FALSE;
        case "!":
          return v?.t === "bool" ? { t: "bool", v: !v.v } : null;
        case "-":
          return arithmetic("-", { t: "int", v: 0n }, v);
      }
      return null;
    }
    case "binary": {
      if (e.op === "&&") return isTrue(evaluate(e.left, span)) && isTrue(evaluate(e.right, span)) ? TRUE : FALSE;
      if (e.op === "||") return isTrue(evaluate(e.left, span)) || isTrue(evaluate(e.right, span)) ? TRUE : FALSE;
      const l = evaluate(e.left, span);
      const r = evaluate(e.right, span);
      if (COMPARISONS.has(e.op)) return compare(e.op, l, r) ? TRUE : FALSE;
      return arithmetic(e.op, l, r);
    }
    default:
      return literalValue(e);
  }
}

export function isTrue(v: Value | null): boolean {
  if (v === null) return false;
  if (v.t === "multi" || v.t === "array") return v.v.some(isTrue);
  return v.t === "bool" && v.v;
}

function fromMap(map: AttributeMap, name: string): Value | null {
  return map.has(name) ? anyValue(map.get(name)) : null;
}

function multi(values: Array<Value | null>): Value | null {
  const present = values.filter((v): v is Value => v !== null);
  return present.length === 0 ? null : present.length === 1 ? present[0]! : { t: "multi", v: present };
}

export function lookup(ref: FieldRef, span: EvalSpan): Value | null {
  if (ref.type === "attribute") {
    switch (ref.scope) {
      case "span":
        return fromMap(span.attributes, ref.name);
      case "resource":
        return fromMap(span.resourceAttributes, ref.name);
      case "instrumentation":
        return fromMap(span.scopeAttributes, ref.name);
      case "event":
        return multi(span.events.map((ev) => fromMap(ev.attributes, ref.name)));
      case "link":
        return multi(span.links.map((l) => fromMap(l.attributes, ref.name)));
      case "unscoped":
        return multi([fromMap(span.attributes, ref.name), fromMap(span.resourceAttributes, ref.name)]);
    }
  }
  const row = span.row;
  const str = (s: string | null | undefined): Value | null => (s === null || s === undefined ? null : { t: "string", v: s });
  switch (ref.name) {
    case "span:name":
      return str(row.name);
    case "span:status":
      return { t: "status", v: span.status };
    case "span:statusMessage":
      return str(row.status_message ?? "");
    case "span:kind":
      return { t: "kind", v: span.kind };
    case "span:duration":
      return { t: "duration", v: row.duration_nano };
    case "span:id":
      return str(row.span_id);
    case "span:parentID":
      return str(row.parent_span_id);
    case "span:childCount":
      return { t: "int", v: BigInt(span.children.length) };
    case "trace:duration":
      return { t: "duration", v: span.trace.end - span.trace.start };
    case "trace:rootName":
      return span.trace.root ? str(span.trace.root.row.name) : null;
    case "trace:rootService":
      return span.trace.root ? str(span.trace.root.row.service_name) : null;
    case "trace:id":
      return str(row.trace_id);
    case "event:name":
      return multi(span.events.map((ev) => str(ev.name)));
    case "event:timeSinceStart":
      return multi(span.events.map((ev) => ({ t: "duration", v: ev.timeUnixNano - row.start_time_unix_nano })));
    case "link:traceID":
      return multi(span.links.map((l) => str(l.traceId)));
    case "link:spanID":
      return multi(span.links.map((l) => str(l.spanId)));
    case "instrumentation:name":
      return str(row.scope_name);
    case "instrumentation:version":
      return str(row.scope_version);
    case "nestedSetLeft":
      return { t: "int", v: BigInt(span.nestedSetLeft) };
    case "nestedSetRight":
      return { t: "int", v: BigInt(span.nestedSetRight) };
    case "nestedSetParent":
      return { t: "int", v: BigInt(span.parent?.nestedSetLeft ?? -1) };
    case "parent":
      return null;
  }
}
