/**
 * RecordBatch → FlightData without joining the batch into one IPC byte array first: the
 * RecordBatch (and DictionaryBatch) header flatbuffers are built from Arrow's own assembler,
 * and each body stays the list of the columns' buffers (each padded to 8 bytes, exactly as
 * the IPC stream writer lays them out). The FlightData serializer (flight-data-codec.ts)
 * copies them once, into the wire buffer. Schema headers are encoded once per schema shape.
 *
 * The two deep imports below are Arrow internals, not its public API: package.json pins
 * apache-arrow to the exact version they were written against; an upgrade is a deliberate
 * change, checked by this folder's tests (ipc.test.ts, ipc-dictionary.test.ts).
 */
import { Message, RecordBatch, RecordBatchStreamWriter, Vector, type Data, type Schema } from "apache-arrow";
import { DictionaryBatch as DictionaryBatchHeader, RecordBatch as RecordBatchHeader } from "apache-arrow/ipc/metadata/message";
import { VectorAssembler } from "apache-arrow/visitor/vectorassembler";
import type { PartedFlightData } from "./flight-data-codec.ts";

const ZEROS = new Uint8Array(8);
const schemaHeaders = new WeakMap<Schema, Uint8Array>();
const schemaHeadersByShape = new Map<string, Uint8Array>();
const MAX_CACHED_SHAPES = 64;

/**
 * The Schema message flatbuffer of `schema`. Cached per Schema object and per shape: Arrow
 * gives every RecordBatch a fresh Schema object, and every DoPut of a table sends the same one.
 */
export function schemaHeader(schema: Schema): Uint8Array {
  let header = schemaHeaders.get(schema);
  if (header) return header;
  const shape = schemaShapeKey(schema);
  header = schemaHeadersByShape.get(shape);
  if (!header) {
    header = Message.encode(Message.from(schema));
    if (schemaHeadersByShape.size >= MAX_CACHED_SHAPES) schemaHeadersByShape.clear();
    schemaHeadersByShape.set(shape, header);
  }
  schemaHeaders.set(schema, header);
  return header;
}

/** Everything the Schema message encodes: names, types (dictionary ids included), nullability, metadata. */
function schemaShapeKey(schema: Schema): string {
  let key = "";
  for (const f of schema.fields) {
    key += `${f.name}\u0000${String(f.type)}\u0000${(f.type as { id?: number }).id ?? ""}\u0000${f.nullable ? 1 : 0}\u0000`;
    if (f.metadata.size > 0) key += JSON.stringify([...f.metadata]);
    key += "\u0001";
  }
  if (schema.metadata.size > 0) key += JSON.stringify([...schema.metadata]);
  return key;
}

/**
 * Dictionaries are supported when they are flat (no nested dictionaries in a dictionary's
 * values) — every Signalbox wire schema; anything else is left to Arrow's writer.
 */
export function canEncodeDirectly(schema: Schema): boolean {
  for (const type of schema.dictionaries.values()) if ((type.children?.length ?? 0) > 0) return false;
  return true;
}

/** One RecordBatch message: header flatbuffer plus the body as padded parts. */
export function recordBatchFlightData(batch: RecordBatch): PartedFlightData {
  const { byteLength, nodes, bufferRegions, buffers, variadicBufferCounts } = VectorAssembler.assemble(batch);
  const header = new RecordBatchHeader(batch.numRows, nodes, bufferRegions, null, variadicBufferCounts, batch.metadata);
  return partedMessage(Message.from(header, byteLength), buffers, byteLength);
}

/** One DictionaryBatch message (a replacement, not a delta) for dictionary `id`. */
export function dictionaryFlightData(id: number, dictionary: Data): PartedFlightData {
  const { byteLength, nodes, bufferRegions, buffers, variadicBufferCounts } = VectorAssembler.assemble(new Vector([dictionary]));
  const batchHeader = new RecordBatchHeader(dictionary.length, nodes, bufferRegions, null, variadicBufferCounts);
  return partedMessage(Message.from(new DictionaryBatchHeader(batchHeader, id, false), byteLength), buffers, byteLength);
}

/**
 * The dictionaries `batch` needs, by id, each one flat Data; undefined when one is built of
 * several chunks (then Arrow's writer sends it as a dictionary plus deltas).
 */
export function batchDictionaries(batch: RecordBatch): Map<number, Data> | undefined {
  const out = new Map<number, Data>();
  for (const [id, vector] of batch.dictionaries) {
    if (!vector) continue;
    if (vector.data.length !== 1) return undefined;
    out.set(id, vector.data[0]!);
  }
  return out;
}

function partedMessage(message: Message, buffers: ArrayBufferView[], byteLength: number): PartedFlightData {
  const data_header = Message.encode(message);
  const parts: Uint8Array[] = [];
  let length = 0;
  for (const view of buffers) {
    if (view.byteLength === 0) continue;
    // Bytes, not elements: copying an Int32Array into a Uint8Array would convert values.
    const buffer = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    parts.push(buffer);
    const padding = ((buffer.byteLength + 7) & ~7) - buffer.byteLength;
    if (padding > 0) parts.push(ZEROS.subarray(0, padding));
    length += buffer.byteLength + padding;
  }
  if (length !== byteLength) throw new Error(`IPC body is ${length} bytes, its header says ${byteLength}`);
  return partedFlightData(data_header, parts, length);
}

/** A FlightData whose `data_body` is joined only if something other than the serializer reads it. */
export function partedFlightData(data_header: Uint8Array, body_parts: Uint8Array[], body_length: number): PartedFlightData {
  let joined: Uint8Array | undefined;
  return {
    data_header,
    body_parts,
    body_length,
    get data_body(): Uint8Array {
      if (!joined) {
        joined = new Uint8Array(body_length);
        let at = 0;
        for (const part of body_parts) {
          joined.set(part, at);
          at += part.byteLength;
        }
      }
      return joined;
    },
  };
}

/** Arrow's own stream writer, for what the direct path does not cover (nested dictionaries). */
export function writerIpcBytes(batch: RecordBatch): Uint8Array {
  return RecordBatchStreamWriter.writeAll([batch]).toUint8Array(true);
}
