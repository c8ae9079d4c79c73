/**
 * TraceQL regular expressions are RE2 (Go) and match the whole value (Tempo anchors them).
 * JavaScript's syntax covers RE2's common forms; RE2's leading flag groups (`(?i)`, `(?s)`,
 * `(?m)`) become JavaScript flags. Cached: a query compiles each pattern once.
 */
const cache = new Map<string, RegExp | Error>();

export function traceqlRegex(pattern: string): RegExp {
  let compiled = cache.get(pattern);
  if (compiled === undefined) {
    try {
      let flags = "";
      let body = pattern;
      const m = /^\(\?([ims]+)\)/.exec(body);
      if (m) {
        flags = [...new Set(m[1]!)].join("");
        body = body.slice(m[0].length);
      }
      compiled = new RegExp(`^(?:${body})$`, flags + "u");
    } catch (err) {
      compiled = err instanceof Error ? err : new Error(String(err));
    }
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, compiled);
  }
  if (compiled instanceof Error) throw compiled;
  return compiled;
}
