/**
 * Decoded Schema messages, remembered by their bytes. A peer answers every call of a kind
 * with the same Schema message (a querier's trace-by-id answers, a writer's live rows), and
 * decoding its flatbuffer into Fields and DataTypes was a visible share of a small answer's
 * cost at the router. Equal bytes decode to an equal schema, so one decoding serves them all.
 *
 * Callers each get a Schema of their own around the shared fields and types (which nothing
 * modifies): its maps are copies, as a caller may add metadata keys.
 */
import { Schema, type Message } from "apache-arrow";

/** Distinct Schema messages kept: a role meets a handful of table and answer schemas. */
const MAX_ENTRIES = 64;

interface Entry {
  bytes: Uint8Array;
  schema: Schema;
}

/** By byte length, then compared in full: most lengths have one entry. */
const byLength = new Map<number, Entry[]>();
let entries = 0;

/** The Schema of `message` (a Schema message whose flatbuffer is `header`). */
export function decodedSchema(header: Uint8Array, message: Message): Schema {
  const candidates = byLength.get(header.byteLength);
  const hit = candidates?.find((e) => Buffer.compare(e.bytes, header) === 0);
  const schema = hit?.schema ?? remember(header, message.header() as Schema);
  return new Schema(schema.fields, new Map(schema.metadata), new Map(schema.dictionaries), schema.metadataVersion);
}

function remember(header: Uint8Array, schema: Schema): Schema {
  if (entries >= MAX_ENTRIES) {
    byLength.clear();
    entries = 0;
  }
  // A copy: `header` is a view into a received message that must not be kept alive.
  const entry = { bytes: header.slice(), schema };
  const list = byLength.get(header.byteLength);
  if (list) list.push(entry);
  else byLength.set(header.byteLength, [entry]);
  entries++;
  return schema;
}
