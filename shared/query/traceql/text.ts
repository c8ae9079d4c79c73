/** Field expressions back to text, as Tempo writes them in result keys (`by(resource.service.name)`, `avg(duration)`). */
import type { Aggregate, FieldExpr, FieldRef } from "./ast.ts";

export function fieldRefText(ref: FieldRef): string {
  if (ref.type === "intrinsic") return ref.text;
  const name = /^[^\s{}()=~!<>&|^,"]+$/.test(ref.name) ? ref.name : JSON.stringify(ref.name);
  const scope = ref.scope === "unscoped" ? "." : `${ref.scope}.`;
  return (ref.parent ? "parent." : "") + scope + name;
}

export function fieldText(e: FieldExpr): string {
  switch (e.type) {
    case "attribute":
    case "intrinsic":
      return fieldRefText(e);
    case "binary":
      return `${fieldText(e.left)} ${e.op} ${fieldText(e.right)}`;
    case "unary":
      return e.op === "exists" ? `${fieldText(e.operand)} != nil` : e.op === "not_exists" ? `${fieldText(e.operand)} = nil` : `${e.op}${fieldText(e.operand)}`;
    case "nil":
      return "nil";
    case "string":
      return JSON.stringify(e.value);
    case "duration":
      return `${e.value}ns`;
    default:
      return String(e.value);
  }
}

export function aggregateText(a: Aggregate): string {
  return `${a.fn}(${a.field ? fieldText(a.field) : ""})`;
}
