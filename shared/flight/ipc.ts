/**
 * Arrow IPC ↔ FlightData. A Flight stream is an Arrow IPC stream cut at message boundaries:
 * each FlightData carries one IPC message, `data_header` = the Message flatbuffer and
 * `data_body` = its body. Sending: the Schema message once, then per batch its (dictionary
 * and) RecordBatch messages. Receiving: re-frame every header with the continuation marker
 * and padded length and let apache-arrow's RecordBatchReader do the decoding.
 */
import { status as GrpcStatus } from "@grpc/grpc-js";
import { Message, MessageHeader, RecordBatch, RecordBatchReader, Schema, type Data } from "apache-arrow";
import { FlightError } from "./errors.ts";
import { isParted } from "./flight-data-codec.ts";
import { DirectIpcLoader, directlyLoadable, type IpcMessageBytes } from "./ipc-decode.ts";
import { batchDictionaries, canEncodeDirectly, dictionaryFlightData, recordBatchFlightData, schemaHeader, writerIpcBytes } from "./ipc-encode.ts";
import type { FlightDataMessage } from "./proto.ts";
import { decodedSchema } from "./schema-cache.ts";

export interface IpcFlightData {
  data_header: Uint8Array;
  data_body: Uint8Array;
}

const CONTINUATION = -1;
const EMPTY = Buffer.alloc(0);

/** Splits encapsulated IPC bytes (`[0xFFFFFFFF][len][flatbuffer][body]`…, EOS) into messages. */
function splitIpcMessages(bytes: Uint8Array): Array<IpcFlightData & { type: MessageHeader }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Array<IpcFlightData & { type: MessageHeader }> = [];
  let pos = 0;
  while (pos + 4 <= bytes.byteLength) {
    let length = view.getInt32(pos, true);
    pos += 4;
    if (length === CONTINUATION) {
      length = view.getInt32(pos, true);
      pos += 4;
    }
    if (length === 0) break; // end-of-stream marker
    const header = bytes.subarray(pos, pos + length);
    pos += length;
    const message = Message.decode(header);
    const bodyLength = Number(message.bodyLength);
    out.push({ type: message.headerType, data_header: header, data_body: bytes.subarray(pos, pos + bodyLength) });
    pos += bodyLength;
  }
  return out;
}

/** Same column names and types, in order (nullability and metadata may differ). */
export function sameSchemaShape(a: Schema, b: Schema): boolean {
  if (a === b) return true;
  if (a.fields.length !== b.fields.length) return false;
  return a.fields.every((f, i) => f.name === b.fields[i].name && String(f.type) === String(b.fields[i].type));
}

/** The IPC Schema message of `schema`, as one FlightData. */
export function schemaFlightData(schema: Schema): IpcFlightData {
  return { data_header: schemaHeader(schema), data_body: EMPTY };
}

/**
 * Stateful encoder for one stream: the first call emits the Schema message, every call the
 * batch's messages — a DictionaryBatch for each dictionary not already sent as this very
 * Data (a replacement, so every batch may bring its own), then the RecordBatch. A later
 * batch with a different schema is refused, since a Flight stream has exactly one schema.
 */
export class FlightDataEncoder {
  private schema: Schema | undefined;
  private readonly sentDictionaries = new Map<number, Data>();

  /** Emits the Schema message now (a stream with a schema and no batches). */
  start(schema: Schema): IpcFlightData[] {
    if (this.schema) return [];
    this.schema = schema;
    return [schemaFlightData(schema)];
  }

  encode(batch: RecordBatch): IpcFlightData[] {
    if (this.schema && !sameSchemaShape(this.schema, batch.schema)) {
      throw new FlightError(GrpcStatus.INVALID_ARGUMENT, "record batch schema differs from the stream's schema");
    }
    const first = this.schema === undefined;
    this.schema ??= batch.schema;
    const dictionaries = canEncodeDirectly(batch.schema) ? batchDictionaries(batch) : undefined;
    if (dictionaries) {
      const out: IpcFlightData[] = first ? [schemaFlightData(batch.schema)] : [];
      for (const [id, data] of dictionaries) {
        if (this.sentDictionaries.get(id) === data) continue;
        out.push(dictionaryFlightData(id, data));
        this.sentDictionaries.set(id, data);
      }
      out.push(recordBatchFlightData(batch));
      return out;
    }
    // Arrow's writer sends every dictionary again: the next direct batch must too.
    this.sentDictionaries.clear();
    const messages = splitIpcMessages(writerIpcBytes(batch));
    return messages
      .filter((m) => first || m.type !== MessageHeader.Schema)
      .map(({ data_header, data_body }) => ({ data_header, data_body }));
  }
}

/** `data_header` framed as an encapsulated IPC message prefix: marker, padded length, header, padding. */
function frameHeader(header: Uint8Array): Uint8Array {
  const padded = (header.byteLength + 7) & ~7;
  const framed = new Uint8Array(8 + padded);
  const view = new DataView(framed.buffer);
  view.setInt32(0, CONTINUATION, true);
  view.setInt32(4, padded, true);
  framed.set(header, 8);
  return framed;
}

/** A decoded Flight stream: its batches, and its schema once the first message arrived. */
export interface DecodedFlightStream extends AsyncIterable<RecordBatch> {
  readonly schema: Schema | undefined;
}

/**
 * Decodes FlightData into RecordBatches. Errors raised by `messages` itself (gRPC status,
 * cancellation) pass through unchanged; malformed IPC becomes `malformedCode` (the server
 * uses INVALID_ARGUMENT for a client's bad upload, the client INTERNAL for a bad answer).
 */
export function decodeFlightData(
  messages: AsyncIterable<FlightDataMessage>,
  malformedCode: number = GrpcStatus.INVALID_ARGUMENT,
): DecodedFlightStream {
  let schema: Schema | undefined;
  let sourceError: unknown;
  let recordBatchesSeen = 0;
  const malformed = (err: unknown) =>
    err === sourceError || err instanceof FlightError
      ? err
      : new FlightError(malformedCode, `malformed Arrow IPC stream: ${(err as Error).message}`, { cause: err });

  async function* headerMessages(): AsyncGenerator<FlightDataMessage> {
    try {
      for await (const m of messages) {
        if (!m.data_header || m.data_header.byteLength === 0) continue; // metadata-only message
        yield m;
      }
    } catch (err) {
      sourceError = err;
      throw err;
    }
  }

  /** Arrow's reader over re-framed IPC bytes: the general path (dictionaries and the like). */
  async function* ipcBytes(source: AsyncIterable<FlightDataMessage>): AsyncGenerator<Uint8Array> {
    for await (const m of source) {
      const header = m.data_header!;
      const message = decodeHeader(header, malformedCode);
      if (message.headerType === MessageHeader.RecordBatch) recordBatchesSeen++;
      yield frameHeader(header);
      const bodyLength = Number(message.bodyLength);
      if (bodyLength > 0) yield fitBody(m.data_body ?? EMPTY, bodyLength);
    }
  }

  async function* viaReader(source: AsyncIterable<FlightDataMessage>): AsyncGenerator<RecordBatch> {
    let yielded = 0;
    const reader = await RecordBatchReader.from(ipcBytes(source));
    await reader.open();
    schema = reader.schema ?? undefined;
    for await (const batch of reader) {
      // For a stream with a schema and no batches the reader yields one empty placeholder.
      if (yielded >= recordBatchesSeen) continue;
      yielded++;
      yield batch;
    }
  }

  async function* batches(): AsyncGenerator<RecordBatch> {
    try {
      const input = headerMessages();
      const first = await input.next();
      if (first.done) return;
      const firstMessage = decodeHeader(first.value.data_header!, malformedCode);
      const streamSchema = firstMessage.headerType === MessageHeader.Schema ? decodedSchema(first.value.data_header!, firstMessage) : undefined;
      if (!streamSchema || !directlyLoadable(streamSchema)) {
        yield* viaReader(prependOne(first.value, input));
        return;
      }
      schema = streamSchema;
      const loader = new DirectIpcLoader(streamSchema, { header: first.value.data_header!, body: EMPTY });
      for await (const m of input) {
        const message = decodeHeader(m.data_header!, malformedCode);
        const bytes = messageBytes(m, Number(message.bodyLength));
        if (message.headerType === MessageHeader.DictionaryBatch) loader.loadDictionary(message, bytes);
        else if (message.headerType === MessageHeader.RecordBatch) yield loader.loadRecordBatch(message, bytes);
        else throw new FlightError(malformedCode, `unexpected ${MessageHeader[message.headerType]} message after the schema`);
      }
    } catch (err) {
      throw malformed(err);
    }
  }

  const iterable = batches();
  return {
    get schema() {
      return schema;
    },
    [Symbol.asyncIterator]: () => iterable,
  };
}

async function* prependOne<T>(first: T, rest: AsyncIterator<T>): AsyncGenerator<T> {
  yield first;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

const STREAM_MESSAGE_TYPES = new Set([MessageHeader.Schema, MessageHeader.DictionaryBatch, MessageHeader.RecordBatch]);

/** Flatbuffer reads of garbage rarely throw; they yield header type NONE, which is checked here. */
function decodeHeader(header: Uint8Array, malformedCode: number): Message {
  let message: Message;
  try {
    message = Message.decode(header);
  } catch (err) {
    throw new FlightError(malformedCode, `malformed Arrow IPC header in FlightData: ${(err as Error).message}`);
  }
  if (!STREAM_MESSAGE_TYPES.has(message.headerType)) {
    throw new FlightError(malformedCode, `FlightData header is not an Arrow IPC Schema, DictionaryBatch or RecordBatch message`);
  }
  return message;
}

/**
 * A message's bytes for the direct loader: an in-process sender's body stays in its parts
 * (parted-body.ts), any other is fitted to `bodyLength`.
 */
function messageBytes(m: FlightDataMessage, bodyLength: number): IpcMessageBytes {
  if (isParted(m) && m.body_length === bodyLength) {
    return { header: m.data_header, bodyParts: m.body_parts, bodyLength, get body() { return m.data_body; } };
  }
  return { header: m.data_header!, body: fitBody(m.data_body ?? EMPTY, bodyLength) };
}

/** Senders may strip the body's trailing padding; the reader needs exactly `bodyLength` bytes. */
function fitBody(body: Uint8Array, bodyLength: number): Uint8Array {
  if (body.byteLength === bodyLength) return body;
  if (body.byteLength > bodyLength) return body.subarray(0, bodyLength);
  const padded = new Uint8Array(bodyLength);
  padded.set(body);
  return padded;
}
