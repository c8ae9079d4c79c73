/**
 * RecordBatch → FlightData without joining the batch into one IPC byte array first: the
 * RecordBatch header flatbuffer is built from Arrow's own assembler, and the body stays the
 * list of the columns' buffers (each padded to 8 bytes, exactly as the IPC stream writer
 * lays them out). The FlightData serializer (flight-data-codec.ts) copies them once, into
 * the wire buffer. Schema headers are encoded once per Schema object.
 */
import { Message, RecordBatch, RecordBatchStreamWriter, type Schema } from "apache-arrow";
import { RecordBatch as RecordBatchHeader } from "apache-arrow/ipc/metadata/message";
import { VectorAssembler } from "apache-arrow/visitor/vectorassembler";
import type { PartedFlightData } from "./flight-data-codec.ts";

const ZEROS = new Uint8Array(8);
const schemaHeaders = new WeakMap<Schema, Uint8Array>();

/** The Schema message flatbuffer of `schema` (cached: every DoPut of a table sends the same one). */
export function schemaHeader(schema: Schema): Uint8Array {
  let header = schemaHeaders.get(schema);
  if (!header) {
    header = Message.encode(Message.from(schema));
    schemaHeaders.set(schema, header);
  }
  return header;
}

/** Batches whose schema has dictionary fields need DictionaryBatch messages: left to Arrow's writer. */
export function canEncodeDirectly(schema: Schema): boolean {
  return schema.dictionaries.size === 0;
}

/** One RecordBatch message: header flatbuffer plus the body as padded parts. */
export function recordBatchFlightData(batch: RecordBatch): PartedFlightData {
  const { byteLength, nodes, bufferRegions, buffers, variadicBufferCounts } = VectorAssembler.assemble(batch);
  const header = new RecordBatchHeader(batch.numRows, nodes, bufferRegions, null, variadicBufferCounts, batch.metadata);
  const data_header = Message.encode(Message.from(header, byteLength));
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

/** Arrow's own stream writer, for what the direct path does not cover (dictionaries). */
export function writerIpcBytes(batch: RecordBatch): Uint8Array {
  return RecordBatchStreamWriter.writeAll([batch]).toUint8Array(true);
}
