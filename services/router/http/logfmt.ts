/**
 * The logfmt subset Tempo's `tags` parameter uses (go-logfmt semantics): space-separated
 * `key=value` pairs; a value with spaces is double-quoted with Go/JSON escapes; a bare `key`
 * means an empty value. `service.name="api" http.status_code=500` → two tags.
 */
export class LogfmtError extends Error {
  override readonly name = "LogfmtError";
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
  }
}

const isSpace = (ch: string | undefined) => ch === " " || ch === "\t" || ch === "\n" || ch === "\r";

export function parseLogfmt(input: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  const n = input.length;
  while (i < n) {
    while (i < n && isSpace(input[i])) i++;
    if (i >= n) break;
    const keyStart = i;
    while (i < n && !isSpace(input[i]) && input[i] !== "=" && input[i] !== '"') i++;
    if (i === keyStart) throw new LogfmtError(input[i] === "=" ? "missing key before '='" : "unexpected '\"' in key", i);
    const key = input.slice(keyStart, i);
    if (input[i] !== "=") {
      out[key] = "";
      continue;
    }
    i++; // '='
    if (input[i] === '"') {
      const [value, next] = readQuoted(input, i);
      out[key] = value;
      i = next;
      if (i < n && !isSpace(input[i])) throw new LogfmtError("expected a space after the quoted value", i);
    } else {
      const valueStart = i;
      while (i < n && !isSpace(input[i])) {
        if (input[i] === '"') throw new LogfmtError("unexpected '\"' inside an unquoted value", i);
        i++;
      }
      out[key] = input.slice(valueStart, i);
    }
  }
  return out;
}

/** Reads `"..."` starting at `start`; returns the unescaped value and the index after it. */
function readQuoted(input: string, start: number): [string, number] {
  let i = start + 1;
  while (i < input.length) {
    const ch = input[i];
    if (ch === "\\") i += 2;
    else if (ch === '"') {
      const literal = input.slice(start, i + 1);
      try {
        // Go's strconv.Unquote and JSON agree on the escapes a tag value needs (\" \\ \n \t \uXXXX).
        return [JSON.parse(literal) as string, i + 1];
      } catch {
        throw new LogfmtError("invalid escape in quoted value", start);
      }
    } else i++;
  }
  throw new LogfmtError("unterminated quoted value", start);
}
