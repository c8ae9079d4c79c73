/**
 * FlightData → RecordBatch without Arrow's async byte-stream reader, for streams whose
 * schema has no nested dictionaries (every Signalbox table and its wire form): each
 * DictionaryBatch and RecordBatch message is loaded straight from its header and body with
 * Arrow's VectorLoader. The columns are views into the body — copied once only when the
 * body does not sit on an 8-byte boundary (typed arrays need aligned offsets) — or, for an
 * in-process sender's body kept in parts, into those parts (parted-body.ts). Anything
 * else goes through RecordBatchReader (ipc.ts).
 *
 * Each batch loaded here remembers the IPC messages it came from (`receivedIpcOf`), so a
 * receiver that stores it (the writer's WAL) can write those bytes instead of encoding the
 * batch again.
 *
 * VectorLoader and the message headers are Arrow internals (deep imports): package.json pins
 * apache-arrow to the exact version this was written against.
 */
import { makeData, Message, MessageHeader, RecordBatch, Struct, Vector, type DataType, type Schema } from "apache-arrow";
import type { DictionaryBatch as DictionaryBatchHeader, RecordBatch as RecordBatchHeader } from "apache-arrow/ipc/metadata/message";
import { VectorLoader } from "apache-arrow/visitor/vectorloader";
import { PartedVectorLoader, type PartedBody } from "./parted-body.ts";

export class UnsupportedIpcError extends Error {
  override readonly name = "UnsupportedIpcError";
}

/** One IPC message as it travelled: Message flatbuffer and body (exactly bodyLength bytes). */
export interface IpcMessageBytes {
  header: Uint8Array;
  readonly body: Uint8Array;
  /**
   * The body as the sender's parts, when it never crossed a transport (parted-body.ts):
   * together exactly `body`, which is then joined only when read.
   */
  readonly bodyParts?: readonly Uint8Array[];
  /** The parts' total length (set with `bodyParts`). */
  readonly bodyLength?: number;
}

/**
 * The messages a received batch was loaded from, in stream order: the Schema message, the
 * DictionaryBatch messages its dictionaries came from, its RecordBatch message — together a
 * standalone IPC stream of exactly this batch.
 */
export interface ReceivedIpc {
  messages: readonly IpcMessageBytes[];
}

const receivedIpc = new WeakMap<RecordBatch, ReceivedIpc>();

/** The IPC messages `batch` was decoded from, when it was received by the direct loader. */
export function receivedIpcOf(batch: RecordBatch): ReceivedIpc | undefined {
  return receivedIpc.get(batch);
}

function checkRegions(header: { buffers: { offset: number; length: number }[] }, bodyLength: number): void {
  for (const region of header.buffers) {
    if (region.offset + region.length > bodyLength) {
      throw new UnsupportedIpcError(`buffer [${region.offset}, +${region.length}) runs past the ${bodyLength}-byte body`);
    }
  }
}

type BatchHeader = Pick<RecordBatchHeader, "nodes" | "buffers" | "variadicBufferCounts">;

/** A loader of `header`'s columns from the message's body, or from its parts when it has them. */
function loaderFor(header: BatchHeader, bytes: IpcMessageBytes, dictionaries: Map<number, Vector>, schema: Schema): VectorLoader {
  const { nodes, buffers, variadicBufferCounts } = header;
  if (bytes.bodyParts && bytes.bodyLength !== undefined) {
    checkRegions(header, bytes.bodyLength);
    // `bytes` itself, not its `body`: reading that would join the parts.
    return new PartedVectorLoader(bytes as PartedBody, nodes, buffers, dictionaries, schema.metadataVersion, variadicBufferCounts);
  }
  const body = bytes.body;
  checkRegions(header, body.byteLength);
  // A copy, not `slice()`: on a Buffer, slice() is a view at the same misaligned offset.
  const aligned = body.byteOffset % 8 === 0 ? body : new Uint8Array(body);
  return new VectorLoader(aligned, nodes, buffers, dictionaries, schema.metadataVersion, variadicBufferCounts);
}

/**
 * Loads one stream's messages after its Schema message: DictionaryBatch messages update the
 * dictionaries, RecordBatch messages become batches.
 */
export class DirectIpcLoader {
  private readonly dictionaries = new Map<number, Vector>();
  /** Per dictionary id, the messages its current value was built from (replacement + deltas). */
  private readonly dictionaryMessages = new Map<number, IpcMessageBytes[]>();

  constructor(
    readonly schema: Schema,
    private readonly schemaMessage: IpcMessageBytes,
  ) {}

  /** Loads a DictionaryBatch message; throws on a malformed or unexpected one. */
  loadDictionary(message: Message, bytes: IpcMessageBytes): void {
    const header = message.header() as DictionaryBatchHeader;
    if (header.data.compression != null) throw new UnsupportedIpcError("compressed IPC bodies are not supported");
    const id = Number(header.id);
    const type = this.schema.dictionaries.get(id) as DataType | undefined;
    if (!type) throw new UnsupportedIpcError(`dictionary batch for unknown dictionary id ${id}`);
    const [data] = loaderFor(header.data, bytes, this.dictionaries, this.schema).visitMany([type]);
    if (!data) throw new UnsupportedIpcError(`dictionary batch ${id} holds no column`);
    const previous = this.dictionaries.get(id);
    const messages = header.isDelta && previous ? [...(this.dictionaryMessages.get(id) ?? []), bytes] : [bytes];
    this.dictionaries.set(id, header.isDelta && previous ? previous.concat(new Vector([data])) : new Vector([data]));
    this.dictionaryMessages.set(id, messages);
  }

  /** Loads one RecordBatch message; throws on a malformed header/body pair. */
  loadRecordBatch(message: Message, bytes: IpcMessageBytes): RecordBatch {
    const batch = loadRecordBatch(this.schema, message, bytes, this.dictionaries);
    const messages: IpcMessageBytes[] = [this.schemaMessage];
    for (const id of this.schema.dictionaries.keys()) {
      const parts = this.dictionaryMessages.get(id);
      if (!parts) throw new UnsupportedIpcError(`record batch uses dictionary ${id} before any dictionary batch defined it`);
      messages.push(...parts);
    }
    messages.push(bytes);
    receivedIpc.set(batch, { messages });
    return batch;
  }
}

/** Loads one RecordBatch message of `schema`; throws on a malformed header/body pair. */
export function loadRecordBatch(schema: Schema, message: Message, bytes: IpcMessageBytes, dictionaries = new Map<number, Vector>()): RecordBatch {
  const header = message.header() as RecordBatchHeader;
  if (header.compression != null) throw new UnsupportedIpcError("compressed IPC bodies are not supported");
  const children = loaderFor(header, bytes, dictionaries, schema).visitMany(schema.fields);
  if (children.length !== schema.fields.length || header.nodes.length < schema.fields.length) {
    throw new UnsupportedIpcError("record batch header does not match the schema");
  }
  const data = makeData({ type: new Struct(schema.fields), length: Number(header.length), nullCount: 0, children });
  return new RecordBatch(schema, data);
}

/** True for a stream schema the direct loader handles: no dictionary nested in a dictionary's values. */
export function directlyLoadable(schema: Schema): boolean {
  for (const type of schema.dictionaries.values()) if ((type.children?.length ?? 0) > 0) return false;
  return true;
}
