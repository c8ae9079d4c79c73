/**
 * DuckDB results → Arrow tables, column by column (row objects are several times slower).
 * With a target schema the columns are taken by position and converted to its types (nulls
 * in non-nullable fields become the type's zero). Without one (user SQL), each DuckDB type
 * maps to Utf8 / Int64 / Float64 / Bool as documented in README.md.
 */
import { DuckDBTypeId, type DuckDBResultReader, type DuckDBValue } from "@duckdb/node-api";
import { DataType, Field, makeData, RecordBatch, Schema, Struct, Table, type Data } from "apache-arrow";
import { boolData, float64Data, int32Data, int64Data, utf8Data, type ArrowKind } from "./arrow-columns.ts";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function kindOfArrowType(type: DataType): ArrowKind {
  if (DataType.isUtf8(type)) return "utf8";
  if (DataType.isBool(type)) return "bool";
  if (DataType.isFloat(type)) return "float64";
  if (DataType.isInt(type)) return type.bitWidth === 64 ? "int64" : "int32";
  throw new Error(`no Arrow conversion for ${String(type)}`);
}

/** Converts all rows read so far (`readAll` / `readUntil`) into a table shaped like `schema`. */
export function readerToTable(reader: DuckDBResultReader, schema: Schema, rowLimit = Infinity): Table {
  if (reader.columnCount !== schema.fields.length) {
    throw new Error(`result has ${reader.columnCount} columns, schema ${schema.fields.length}`);
  }
  return columnsToTable(reader.getColumns(), schema, Math.min(reader.currentRowCount, rowLimit));
}

/** The first `rows` values of each column (as DuckDB's reader gives them) as a table shaped like `schema`. */
export function columnsToTable(columns: readonly (readonly unknown[])[], schema: Schema, rows: number): Table {
  const data = schema.fields.map((f, i) => convertColumn((columns[i] ?? []).slice(0, rows), kindOfArrowType(f.type), !f.nullable));
  return tableOf(schema, data, rows);
}

/** Arrow kind for a DuckDB result column of unknown shape (user SQL). */
export function kindOfDuckDBType(typeId: DuckDBTypeId): ArrowKind | "timestamp" | "wide_int" {
  switch (typeId) {
    case DuckDBTypeId.VARCHAR:
      return "utf8";
    case DuckDBTypeId.BOOLEAN:
      return "bool";
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
      return "int64";
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return "wide_int";
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DECIMAL:
      return "float64";
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return "timestamp";
    default:
      return "utf8";
  }
}

/** A user query's result, typed per column from DuckDB's types; at most `rowLimit` rows. */
export function readerToDynamicTable(reader: DuckDBResultReader, rowLimit: number): Table {
  const names = reader.columnNames();
  const columns = reader.getColumns();
  const rows = Math.min(reader.currentRowCount, rowLimit);
  const fields: Field[] = [];
  const data: Data[] = [];
  names.forEach((name, i) => {
    const values = (columns[i] ?? []).slice(0, rows);
    let kind = kindOfDuckDBType(reader.columnTypeId(i));
    let converted: DuckDBValue[] | (bigint | null)[] = values;
    if (kind === "timestamp") {
      converted = values.map(timestampToNs);
      kind = "int64";
    } else if (kind === "wide_int") {
      // UBIGINT / HUGEINT (e.g. sum(BIGINT)): Int64 when every value fits, else exact text.
      const fits = values.every((v) => v === null || (typeof v === "bigint" && v >= INT64_MIN && v <= INT64_MAX));
      kind = fits ? "int64" : "utf8";
    }
    const column = convertColumn(converted, kind, false);
    fields.push(new Field(name, column.type, true));
    data.push(column);
  });
  return tableOf(new Schema(fields), data, rows);
}

function tableOf(schema: Schema, children: Data[], length: number): Table {
  const struct = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children });
  return new Table([new RecordBatch(schema, struct)]);
}

function convertColumn(values: readonly unknown[], kind: ArrowKind, notNull: boolean): Data {
  switch (kind) {
    case "utf8":
      return utf8Data(values.map((v) => (v === null || v === undefined ? (notNull ? "" : null) : typeof v === "string" ? v : String(v))));
    case "int64":
      return int64Data(values.map((v) => (v === null || v === undefined ? (notNull ? 0n : null) : toBigInt(v))));
    case "int32":
      return int32Data(values.map((v) => (v === null || v === undefined ? (notNull ? 0 : null) : Number(v))));
    case "float64":
      return float64Data(values.map((v) => (v === null || v === undefined ? (notNull ? 0 : null) : toDouble(v))));
    case "bool":
      return boolData(values.map((v) => (v === null || v === undefined ? (notNull ? false : null) : Boolean(v))));
  }
}

function toBigInt(v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return BigInt(Math.trunc(v));
  return BigInt(String(v));
}

function toDouble(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "object" && v !== null && "toDouble" in v && typeof v.toDouble === "function") return v.toDouble() as number;
  return Number(v);
}

/** Every DuckDB timestamp flavour → ns since the epoch. */
function timestampToNs(v: DuckDBValue): bigint | null {
  if (v === null || typeof v !== "object") return null;
  if ("nanos" in v && typeof v.nanos === "bigint") return v.nanos;
  if ("micros" in v && typeof v.micros === "bigint") return v.micros * 1_000n;
  if ("millis" in v && typeof v.millis === "bigint") return v.millis * 1_000_000n;
  if ("seconds" in v && typeof v.seconds === "bigint") return v.seconds * 1_000_000_000n;
  return null;
}
