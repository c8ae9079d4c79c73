/**
 * The Loki line of a log record: its body as pcommon's `AsString` writes it — a string body
 * as-is, scalars as text, maps and arrays as plain JSON (`{"a":1}`), an empty body "".
 * The `logs` table keeps the body as OTLP/JSON AnyValue text.
 */
import { anyValueText, type AnyValueJson } from "./label-name.ts";

export function logLine(body: string): string {
  if (body === "" || body === "{}") return "";
  // The common case without a JSON parse: `{"stringValue":"…"}` whose text needs no unescaping.
  if (body.startsWith('{"stringValue":"') && body.endsWith('"}') && !body.includes("\\", 16)) {
    const inner = body.slice(16, -2);
    if (!inner.includes('"')) return inner;
  }
  let value: AnyValueJson;
  try {
    value = JSON.parse(body) as AnyValueJson;
  } catch {
    return body;
  }
  return anyValueText(value);
}
