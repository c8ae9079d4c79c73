/**
 * Arrow rows as plain objects (column name → value), the values exactly those `Vector.get`
 * gives, read a column at a time: `get` dispatches through Arrow's visitor for every cell
 * and decodes each string with its own TextDecoder call, which made up most of turning a
 * trace-by-id answer into OTLP at the router. Here a Utf8 column whose bytes are all ASCII is
 * decoded in one call and cut into its values (byte offsets are then character offsets);
 * integers and floats are read from their typed arrays. Any other column, and any sliced
 * one, still goes through `get`.
 */
import { DataType, Precision, type Data, type RecordBatch, type Table, type Vector } from "apache-arrow";

const utf8 = new TextDecoder("utf-8");

/** The table's rows, in order, as objects keyed by column name. */
export function arrowRows<T>(table: Table | RecordBatch): T[] {
  const names = table.schema.fields.map((f) => f.name);
  const out: T[] = [];
  const batches = "batches" in table ? table.batches : [table];
  for (const batch of batches) {
    const columns = names.map((_, k) => columnValues(batch.getChildAt(k)!));
    for (let i = 0; i < batch.numRows; i++) {
      const row: Record<string, unknown> = {};
      for (let k = 0; k < names.length; k++) row[names[k]!] = columns[k]![i];
      out.push(row as T);
    }
  }
  return out;
}

/** Every value of a one-batch column, as `vector.get(i)` returns it. */
function columnValues(vector: Vector): unknown[] {
  const data = vector.data.length === 1 ? vector.data[0]! : undefined;
  const values = data && data.offset === 0 ? directValues(data) : undefined;
  if (values === undefined) return Array.from({ length: vector.length }, (_, i) => vector.get(i));
  if (data!.nullable && data!.nullCount > 0) for (let i = 0; i < values.length; i++) if (!data!.getValid(i)) values[i] = null;
  return values;
}

function directValues(data: Data): unknown[] | undefined {
  const type = data.type as DataType;
  if (DataType.isUtf8(type)) return utf8Values(data.valueOffsets as Int32Array, data.values as Uint8Array, data.length);
  if (DataType.isInt(type) || (DataType.isFloat(type) && type.precision !== Precision.HALF)) {
    return Array.from(data.values.subarray(0, data.length) as ArrayLike<number | bigint>);
  }
  return undefined;
}

function utf8Values(offsets: Int32Array, bytes: Uint8Array, length: number): string[] {
  const out = new Array<string>(length);
  const start = offsets[0]!;
  const end = offsets[length]!;
  if (isAscii(bytes, start, end)) {
    const text = utf8.decode(bytes.subarray(start, end));
    for (let i = 0; i < length; i++) out[i] = text.substring(offsets[i]! - start, offsets[i + 1]! - start);
  } else {
    for (let i = 0; i < length; i++) out[i] = utf8.decode(bytes.subarray(offsets[i]!, offsets[i + 1]!));
  }
  return out;
}

function isAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i]! >= 0x80) return false;
  return true;
}
