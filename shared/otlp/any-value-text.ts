/**
 * An OTLP attribute value as text, as pcommon's `Value.AsString` writes it (what Loki and
 * Prometheus's OTLP translation put in a label): strings as they are, numbers and booleans as
 * Go prints them, arrays and maps as JSON. Values are the OTLP/JSON form the tables store.
 */

/** An OTLP/JSON AnyValue as the acceptor stores it (`{"stringValue":"x"}`, `{"intValue":"3"}`…). */
export type AnyValueJson = {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number | string;
  boolValue?: boolean;
  bytesValue?: string;
  arrayValue?: { values?: AnyValueJson[] };
  kvlistValue?: { values?: KeyValueJson[] };
};

export interface KeyValueJson {
  key: string;
  value?: AnyValueJson;
}

/** pcommon `Value.AsString`: strings as-is, numbers and booleans as text, the rest as JSON. */
export function anyValueText(value: AnyValueJson | undefined): string {
  if (value === undefined || value === null) return "";
  if (typeof value.stringValue === "string") return value.stringValue;
  if (value.intValue !== undefined) return String(value.intValue);
  if (value.doubleValue !== undefined) return doubleText(value.doubleValue);
  if (value.boolValue !== undefined) return value.boolValue ? "true" : "false";
  if (value.bytesValue !== undefined) return value.bytesValue;
  if (value.arrayValue !== undefined || value.kvlistValue !== undefined) return JSON.stringify(plainJson(value));
  return "";
}

/** An AnyValue as plain JSON (what `AsString` writes for arrays and maps, and Loki's line for a map body). */
export function plainJson(value: AnyValueJson | undefined): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value.stringValue === "string") return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return typeof value.doubleValue === "number" ? value.doubleValue : doubleText(value.doubleValue);
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.bytesValue !== undefined) return value.bytesValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(plainJson);
  if (value.kvlistValue !== undefined) {
    const out: Record<string, unknown> = {};
    for (const kv of value.kvlistValue.values ?? []) if (typeof kv?.key === "string") out[kv.key] = plainJson(kv.value);
    return out;
  }
  return null;
}

/** Go's `strconv.FormatFloat(v, 'f', -1, 64)` for the values OTLP carries. */
function doubleText(v: number | string): string {
  if (typeof v === "string") return v === "Infinity" ? "+Inf" : v === "-Infinity" ? "-Inf" : v;
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "+Inf" : "-Inf";
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return v.toFixed(0);
  const s = String(v);
  if (!/e/.test(s)) return s;
  // Exponent form from JS: spell it out as Go's 'f' format does.
  return v.toFixed(Math.min(100, Math.max(0, -Math.floor(Math.log10(Math.abs(v))) + 17))).replace(/\.?0+$/, "");
}

