/**
 * Reading backend results (Arrow tables) into JSON-ready JavaScript values.
 *
 * 64-bit integers: a JSON number is exact only up to 2^53, so an Int64/Uint64 value becomes a
 * number when it is a safe integer and a decimal string otherwise (ns timestamps, always
 * strings in practice). Binary becomes base64; nested values their Arrow `toJSON()`.
 */
import type { Table, Vector } from "apache-arrow";
import { HttpError } from "./errors.ts";

/** The result lacks a column its ticket kind promises: the querier broke the contract. */
export function requireColumn(table: Table, name: string): Vector {
  const column = table.getChild(name);
  if (!column) {
    const have = table.schema.fields.map((f) => f.name).join(", ");
    throw new HttpError(502, `query backend returned no "${name}" column (has: ${have || "none"})`);
  }
  return column;
}

/** Column accessor by row; null stays null. */
export function strings(table: Table, name: string): (row: number) => string {
  const column = requireColumn(table, name);
  return (row) => {
    const v: unknown = column.get(row);
    return v === null || v === undefined ? "" : String(v);
  };
}

/** Int64 (or any integer) column as exact decimal strings. */
export function decimalStrings(table: Table, name: string): (row: number) => string {
  const column = requireColumn(table, name);
  return (row) => {
    const v: unknown = column.get(row);
    if (v === null || v === undefined) return "0";
    return typeof v === "bigint" ? v.toString() : String(Math.trunc(Number(v)));
  };
}

export function jsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "bigint":
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
    case "number":
      return Number.isFinite(value) ? value : String(value); // NaN / Infinity are not JSON
    case "string":
    case "boolean":
      return value;
    default:
      break;
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) return value.map(jsonValue);
  const withToJSON = value as { toJSON?: () => unknown };
  if (typeof withToJSON.toJSON === "function") return jsonValue(withToJSON.toJSON());
  if (typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, jsonValue(v)]));
  }
  return String(value);
}
