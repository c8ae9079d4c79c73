/**
 * Arrow → DuckDB type mapping for the types the signal tables use. Anything else is refused
 * loudly: a silent fallback would store the wrong type in Parquet forever.
 */
import { DataType, type Field, type Schema, Type } from "apache-arrow";
import {
  DuckDBBigIntType,
  DuckDBBooleanType,
  DuckDBDoubleType,
  DuckDBIntegerType,
  DuckDBVarCharType,
  type DuckDBType,
} from "@duckdb/node-api";
import { quoteIdent } from "./sql.ts";

export type SupportedKind = "utf8" | "int32" | "int64" | "float64" | "bool";

export class UnsupportedArrowTypeError extends Error {
  constructor(field: string, type: DataType) {
    super(`column ${field}: Arrow type ${String(type)} has no DuckDB mapping (Utf8, Int32, Int64, Float64, Bool)`);
    this.name = "UnsupportedArrowTypeError";
  }
}

export function kindOf(field: Field): SupportedKind {
  const t = field.type;
  if (DataType.isUtf8(t)) return "utf8";
  if (DataType.isBool(t)) return "bool";
  if (DataType.isInt(t) && t.isSigned && t.bitWidth === 32) return "int32";
  if (DataType.isInt(t) && t.isSigned && t.bitWidth === 64) return "int64";
  if (DataType.isFloat(t) && t.typeId === Type.Float && (t as { precision: number }).precision === 2) return "float64";
  throw new UnsupportedArrowTypeError(field.name, t);
}

const SQL_TYPE: Record<SupportedKind, string> = {
  utf8: "VARCHAR",
  int32: "INTEGER",
  int64: "BIGINT",
  float64: "DOUBLE",
  bool: "BOOLEAN",
};

const DUCKDB_TYPE: Record<SupportedKind, DuckDBType> = {
  utf8: DuckDBVarCharType.instance,
  int32: DuckDBIntegerType.instance,
  int64: DuckDBBigIntType.instance,
  float64: DuckDBDoubleType.instance,
  bool: DuckDBBooleanType.instance,
};

export function duckdbTypeOf(field: Field): DuckDBType {
  return DUCKDB_TYPE[kindOf(field)];
}

/** The SQL type name of a column (VARCHAR, INTEGER, BIGINT, DOUBLE, BOOLEAN). */
export function sqlTypeOf(field: Field): string {
  return SQL_TYPE[kindOf(field)];
}

/** `CREATE [TEMP] TABLE name (col TYPE [NOT NULL], ...)` for an Arrow schema. */
export function createTableSql(tableName: string, schema: Schema, temp: boolean): string {
  const cols = schema.fields.map(
    (f) => `${quoteIdent(f.name)} ${SQL_TYPE[kindOf(f)]}${f.nullable ? "" : " NOT NULL"}`,
  );
  return `CREATE ${temp ? "TEMP " : ""}TABLE ${quoteIdent(tableName)} (${cols.join(", ")})`;
}
