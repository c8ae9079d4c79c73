/**
 * LogQL string literals as Go's strconv.Unquote reads them (Loki's lexer uses it): a
 * double-quoted string with Go escapes, or a raw backtick string taken verbatim.
 * Returns undefined for an invalid escape.
 */
const SIMPLE: Record<string, string> = {
  a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", '"': '"', "'": "'",
};

export function unquoteString(literal: string): string | undefined {
  const quote = literal[0];
  if (quote === "`") return literal.slice(1, -1);
  if (quote !== '"') return undefined;
  const body = literal.slice(1, -1);
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const next = body[++i];
    if (next === undefined) return undefined;
    if (next in SIMPLE) {
      out += SIMPLE[next];
      continue;
    }
    const width = next === "x" ? 2 : next === "u" ? 4 : next === "U" ? 8 : 0;
    if (width > 0) {
      const hex = body.slice(i + 1, i + 1 + width);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== width) return undefined;
      const code = parseInt(hex, 16);
      if (next === "x") out += String.fromCharCode(code);
      else if (code > 0x10ffff) return undefined;
      else out += String.fromCodePoint(code);
      i += width;
      continue;
    }
    if (next >= "0" && next <= "7") {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) return undefined;
      const code = parseInt(oct, 8);
      if (code > 255) return undefined;
      out += String.fromCharCode(code);
      i += 2;
      continue;
    }
    return undefined;
  }
  return out;
}
