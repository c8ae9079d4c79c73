/**
 * FlightData → RecordBatch without Arrow's async byte-stream reader, for streams whose
 * schema has no dictionaries (every Signalbox table): each RecordBatch message is loaded
 * straight from its header and body with Arrow's VectorLoader. The columns are views into
 * the body — copied once only when the body does not sit on an 8-byte boundary (typed
 * arrays need aligned offsets). Anything else goes through RecordBatchReader (ipc.ts).
 */
import { makeData, Message, MessageHeader, RecordBatch, Struct, type Schema } from "apache-arrow";
import type { RecordBatch as RecordBatchHeader } from "apache-arrow/ipc/metadata/message";
import { VectorLoader } from "apache-arrow/visitor/vectorloader";

export class UnsupportedIpcError extends Error {
  override readonly name = "UnsupportedIpcError";
}

/** Loads one RecordBatch message of `schema`; throws on a malformed header/body pair. */
export function loadRecordBatch(schema: Schema, message: Message, body: Uint8Array): RecordBatch {
  const header = message.header() as RecordBatchHeader;
  if (header.compression != null) throw new UnsupportedIpcError("compressed IPC bodies are not supported");
  for (const region of header.buffers) {
    if (region.offset + region.length > body.byteLength) {
      throw new UnsupportedIpcError(`buffer [${region.offset}, +${region.length}) runs past the ${body.byteLength}-byte body`);
    }
  }
  const aligned = body.byteOffset % 8 === 0 ? body : body.slice();
  const children = new VectorLoader(aligned, header.nodes, header.buffers, new Map(), schema.metadataVersion, header.variadicBufferCounts).visitMany(
    schema.fields,
  );
  if (children.length !== schema.fields.length || header.nodes.length < schema.fields.length) {
    throw new UnsupportedIpcError("record batch header does not match the schema");
  }
  const data = makeData({ type: new Struct(schema.fields), length: Number(header.length), nullCount: 0, children });
  return new RecordBatch(schema, data);
}

/** True for a Schema message the direct loader handles. */
export function directlyLoadable(message: Message): boolean {
  return message.headerType === MessageHeader.Schema && (message.header() as Schema).dictionaries.size === 0;
}
