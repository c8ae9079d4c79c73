/**
 * The logfmt decoder Loki's parser uses (pkg/logql/log/logfmt/decode.go): `key=value`,
 * `key="quoted \"value\""`, a bare `key` (empty value). A malformed pair is skipped, or ends
 * the scan in strict mode; the error kept is the decoder's, worded as Loki's.
 */
export interface LogfmtScan {
  pairs: [string, string][];
  error?: string;
}

export function scanLogfmt(line: string, strict: boolean): LogfmtScan {
  const pairs: [string, string][] = [];
  let error: string | undefined;
  let pos = 0;
  const n = line.length;
  const fail = (msg: string, at: number) => {
    error = `logfmt syntax error at pos ${at + 1} : ${msg}`;
  };
  const skipValue = () => {
    while (pos < n && line.charCodeAt(pos) > 32) pos++;
  };
  while (pos < n) {
    // garbage before the key
    while (pos < n && line.charCodeAt(pos) <= 32) pos++;
    if (pos >= n) break;
    const start = pos;
    let key: string | undefined;
    let value = "";
    let ok = true;
    for (;;) {
      if (pos >= n) {
        key = line.slice(start, pos);
        break;
      }
      const c = line[pos]!;
      if (c === "=") {
        if (pos > start && line.slice(start, pos).includes("\uFFFD")) {
          fail("invalid key", pos);
          skipValue();
          ok = false;
          break;
        }
        if (pos > start) key = line.slice(start, pos);
        else {
          fail(`unexpected '='`, pos);
          skipValue();
          ok = false;
          break;
        }
        pos++;
        if (pos >= n || line.charCodeAt(pos) <= 32) break;
        if (line[pos] === '"') {
          const q = pos;
          let escaped = false;
          let end = -1;
          for (let i = pos + 1; i < n; i++) {
            if (line[i] === "\\") {
              escaped = true;
              i++;
              continue;
            }
            if (line[i] === '"') {
              end = i;
              break;
            }
          }
          if (end < 0) {
            pos = n;
            fail("unterminated quoted value", pos - 1);
            ok = false;
            break;
          }
          pos = end + 1;
          if (escaped) {
            try {
              // Go's unquote takes raw control characters inside the quotes; JSON.parse does not.
              const quoted = line.slice(q, end + 1).replace(/[\u0000-\u001f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
              value = JSON.parse(quoted) as string;
            } catch {
              fail("invalid quoted value", pos - 1);
              ok = false;
              break;
            }
          } else value = line.slice(q + 1, end);
          break;
        }
        const vstart = pos;
        while (pos < n && line.charCodeAt(pos) > 32) {
          if (line[pos] === "=" || line[pos] === '"') {
            fail(`unexpected '${line[pos]}'`, pos);
            skipValue();
            ok = false;
            break;
          }
          pos++;
        }
        if (ok) value = line.slice(vstart, pos);
        break;
      }
      if (c === '"') {
        fail(`unexpected '"'`, pos);
        skipValue();
        ok = false;
        break;
      }
      if (line.charCodeAt(pos) <= 32) {
        key = line.slice(start, pos);
        if (key.includes("\uFFFD")) {
          fail("invalid key", pos);
          ok = false;
        }
        break;
      }
      pos++;
    }
    if (!ok) {
      if (strict) break;
      continue;
    }
    if (key !== undefined && key !== "") pairs.push([key, value]);
  }
  return { pairs, error };
}
