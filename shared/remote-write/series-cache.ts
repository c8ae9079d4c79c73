/**
 * What a remote write series' label fields decide — its metric name, attributes JSON and job
 * (the row's constant columns), or why the series is refused — kept by the exact bytes of
 * those fields. Senders send the same series in request after request, so a series' labels
 * are decoded, checked, sorted and turned into JSON once, not once per request: the lookup
 * costs a Latin-1 string of its label bytes.
 *
 * The same byte arrays are handed out for a series every time, so the columns (which
 * recognise repeated values by identity, RepeatedUtf8Column) see one value per series.
 */
import type { ResourceContext } from "../otlp/context.ts";

/** The bytes of the columns every row of one series (or one metadata entry) repeats. */
export interface SeriesBytes {
  name: Uint8Array;
  description: Uint8Array;
  unit: Uint8Array;
  type: Uint8Array;
  metadata: Uint8Array;
  attributes: Uint8Array;
  resource: ResourceContext;
}

/** A series' label fields, decided: its row's columns, or why it cannot be stored. */
export type SeriesEntry = { row: SeriesBytes; problem?: undefined } | { row?: undefined; problem: string };

/** Entries kept before the cache starts over (a bound on memory, not a tuning of speed). */
const MAX_ENTRIES = 1 << 16;
/** Bytes of keys and values kept before the cache starts over: label values have no length limit. */
const MAX_BYTES = 64 * 1024 * 1024;

export const EMPTY_BYTES = new Uint8Array(0);
export const EMPTY_LIST_BYTES = new TextEncoder().encode("[]");

export class SeriesCache {
  private readonly entries = new Map<string, SeriesEntry>();
  private readonly interned = new Map<string, Uint8Array>();
  private readonly resources = new Map<string, ResourceContext>();
  private readonly encoder = new TextEncoder();
  /** What the kept keys and values hold, roughly: a key's UTF-16 text, a value's byte arrays. */
  private bytes = 0;

  /** Called before each request: a full cache starts over between requests, never within one. */
  startRequest(): void {
    if (this.entries.size + this.interned.size < MAX_ENTRIES && this.bytes < MAX_BYTES) return;
    this.entries.clear();
    this.interned.clear();
    this.resources.clear();
    this.bytes = 0;
  }

  get(labelKey: string): SeriesEntry | undefined {
    return this.entries.get(labelKey);
  }

  set(labelKey: string, entry: SeriesEntry): void {
    this.entries.set(labelKey, entry);
    this.bytes += labelKey.length * 2 + (entry.row ? entry.row.attributes.byteLength : entry.problem.length * 2);
  }

  /** UTF-8 bytes of `text`, one array per distinct text (names, types, metadata repeat across series). */
  bytesOf(text: string): Uint8Array {
    let found = this.interned.get(text);
    if (!found) {
      found = this.encoder.encode(text);
      this.interned.set(text, found);
      this.bytes += text.length * 2 + found.byteLength;
    }
    return found;
  }

  /** The resource of a `job`: only its service name is set. */
  resourceOf(job: string): ResourceContext {
    let found = this.resources.get(job);
    if (!found) {
      found = { attributes: EMPTY_LIST_BYTES, droppedAttributesCount: 0, schemaUrl: EMPTY_BYTES, serviceName: this.encoder.encode(job) };
      this.resources.set(job, found);
    }
    return found;
  }
}
