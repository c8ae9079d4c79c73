/**
 * A JSON reader that keeps what LogQL's json parser needs and JSON.parse loses: a number's
 * text as written (`1.50` stays "1.50"), and each value's raw text (an object selected by a
 * `| json x="a.b"` path is returned verbatim, as Loki does).
 */
export type JsonNode =
  | { type: "object"; entries: [string, JsonNode][]; raw: string }
  | { type: "array"; items: JsonNode[]; raw: string }
  | { type: "string"; value: string; raw: string }
  | { type: "number" | "bool" | "null"; raw: string };

export class JsonSyntaxError extends Error {}

export function scanJson(text: string): JsonNode {
  const s = new Scanner(text);
  const node = s.value();
  s.space();
  if (s.i !== text.length) throw new JsonSyntaxError(`unexpected ${JSON.stringify(text[s.i])} after the JSON value`);
  return node;
}

/**
 * A log line's top-level object read as Loki's jsonparser walks it: text after the object is
 * ignored, and an object cut short keeps the entries read before the cut (`truncated` says so).
 */
export function scanJsonLine(text: string): { root: JsonNode; truncated?: string } {
  const s = new Scanner(text);
  s.space();
  if (text[s.i] !== "{") return { root: s.value() };
  const entries: [string, JsonNode][] = [];
  try {
    s.objectEntries(entries);
    return { root: { type: "object", entries, raw: text.slice(0, s.i) } };
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    return { root: { type: "object", entries, raw: text }, truncated: err.message };
  }
}

class Scanner {
  i = 0;
  constructor(private readonly t: string) {}

  space(): void {
    while (this.i < this.t.length && (this.t[this.i] === " " || this.t[this.i] === "\n" || this.t[this.i] === "\r" || this.t[this.i] === "\t")) this.i++;
  }

  /** Reads `{…}` at the cursor into `entries` (filled as it goes, so a cut object keeps its start). */
  objectEntries(entries: [string, JsonNode][]): void {
    this.i++;
    this.space();
    if (this.t[this.i] === "}") {
      this.i++;
      return;
    }
    for (;;) {
      this.space();
      if (this.t[this.i] !== '"') throw new JsonSyntaxError("Value looks like object, but can't find closing '}' symbol");
      const key = this.string();
      this.space();
      if (this.t[this.i] !== ":") throw new JsonSyntaxError("Value looks like object, but can't find closing '}' symbol");
      this.i++;
      entries.push([key, this.value()]);
      this.space();
      const d = this.t[this.i++];
      if (d === "}") return;
      if (d !== ",") throw new JsonSyntaxError("Value looks like object, but can't find closing '}' symbol");
    }
  }

  value(): JsonNode {
    this.space();
    const start = this.i;
    const c = this.t[this.i];
    if (c === "{") {
      const entries: [string, JsonNode][] = [];
      this.objectEntries(entries);
      return { type: "object", entries, raw: this.t.slice(start, this.i) };
    }
    if (c === "[") {
      this.i++;
      const items: JsonNode[] = [];
      this.space();
      if (this.t[this.i] === "]") {
        this.i++;
        return { type: "array", items, raw: this.t.slice(start, this.i) };
      }
      for (;;) {
        items.push(this.value());
        this.space();
        const d = this.t[this.i++];
        if (d === "]") return { type: "array", items, raw: this.t.slice(start, this.i) };
        if (d !== ",") throw new JsonSyntaxError("Value is array, but can't find closing ']' symbol");
      }
    }
    if (c === '"') {
      const value = this.string();
      return { type: "string", value, raw: this.t.slice(start, this.i) };
    }
    const lit = /^(true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(this.t.slice(this.i, this.i + 400));
    if (!lit) throw new JsonSyntaxError(c === undefined ? "Unexpected end of JSON input" : `Unknown value type at ${JSON.stringify(c)}`);
    this.i += lit[0].length;
    const raw = lit[0];
    return { type: raw === "true" || raw === "false" ? "bool" : raw === "null" ? "null" : "number", raw };
  }

  private string(): string {
    const start = this.i;
    this.i++;
    let escaped = false;
    while (this.i < this.t.length) {
      const ch = this.t[this.i]!;
      if (ch === "\\") {
        escaped = true;
        this.i += 2;
        continue;
      }
      if (ch === '"') {
        this.i++;
        const body = this.t.slice(start, this.i);
        if (!escaped) return body.slice(1, -1);
        try {
          return JSON.parse(body) as string;
        } catch {
          throw new JsonSyntaxError("Encountered an invalid escape sequence in a string");
        }
      }
      this.i++;
    }
    throw new JsonSyntaxError("Cannot find the closing '\"' of a string");
  }
}
