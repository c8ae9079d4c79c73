/**
 * A compacted span file keeps a span's `url.full` once: its dedicated column
 * (`span_url_full`, dedicated-attributes.ts) holds the value, and the attribute JSON holds
 * MARKER where the attribute's first entry was. The entry is the exact text the JSON held,
 * rebuilt from the dedicated value: `{"key":"url.full","value":{"stringValue":"` + value +
 * `"}}`. Only an entry of exactly that text is replaced (a value that JSON escapes differs
 * from its escaped form, so its entry is never found and stays), and the marker is put back
 * as that same text, so a read gives the JSON that was sent, byte for byte.
 *
 * MARKER holds a raw control character, which valid JSON never holds (the decoder writes the
 * attribute JSON): attribute JSON without it, every file written before, reads unchanged.
 * Readers of files put the entry back: the querier's file views (shared/duckdb
 * attributes-once.ts), its point reader (`restoreAttributesOnce`). Compaction leaves a
 * marked JSON as it is (its entry is no longer found) and carries the dedicated column.
 */
export const ONCE_ATTRIBUTE = { key: "url.full", column: "span_url_full" } as const;

/** The attribute entry's text, less the value (which comes between `open` and `close`). */
export const ONCE_ENTRY = { open: `{"key":"${ONCE_ATTRIBUTE.key}","value":{"stringValue":"`, close: `"}}` } as const;

export const ONCE_MARKER = `{"key":"${ONCE_ATTRIBUTE.key}","value":\u0001}`;

/** The dedicated column's value as the attribute's string ("s" + text), or null when it holds none. */
function onceValue(dedicated: unknown): string | null {
  return typeof dedicated === "string" && dedicated.startsWith("s") ? dedicated.slice(1) : null;
}

/** `attributes` as sent: each marker replaced by the entry rebuilt from `dedicated` (the span's span_url_full). */
export function restoreAttributesOnce(attributes: unknown, dedicated: unknown): unknown {
  if (typeof attributes !== "string" || !attributes.includes(ONCE_MARKER)) return attributes;
  const value = onceValue(dedicated);
  if (value === null) return attributes;
  // A function replacement: a `$` in the value is text, not a pattern.
  return attributes.replace(ONCE_MARKER, () => `${ONCE_ENTRY.open}${value}${ONCE_ENTRY.close}`);
}
