import type { Expr, ValueType } from "./ast.ts";
import { FUNCTIONS } from "./functions.ts";

/** The value type an expression evaluates to. */
export function typeOf(e: Expr): ValueType {
  switch (e.type) {
    case "NumberLiteral":
      return "scalar";
    case "StringLiteral":
      return "string";
    case "VectorSelector":
    case "Aggregate":
      return "vector";
    case "MatrixSelector":
    case "Subquery":
      return "matrix";
    case "Call":
      return FUNCTIONS[e.func].returns;
    case "Binary":
      return typeOf(e.lhs) === "scalar" && typeOf(e.rhs) === "scalar" ? "scalar" : "vector";
    case "Unary":
    case "Paren":
      return typeOf(e.expr);
  }
}
