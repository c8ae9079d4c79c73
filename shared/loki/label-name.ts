/**
 * OTLP attribute → Loki label, as Loki converts them (`AttributeToLabels` in grafana/loki,
 * names through Prometheus's `otlptranslator.LabelNamer`): every character outside
 * `[a-zA-Z0-9_]` becomes `_` (`service.name` → `service_name`), a leading digit gets the
 * prefix `key_`; values are the AnyValue as text (pcommon's `AsString`), maps expand into one
 * label per member with the parent's name as prefix (`k8s.labels: {app: x}` → `k8s_labels_app`).
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

const nameCache = new Map<string, string>();

/** A Loki (Prometheus) label name for an OTLP attribute key. */
export function lokiLabelName(key: string): string {
  let name = nameCache.get(key);
  if (name === undefined) {
    name = key.replace(/[^a-zA-Z0-9_]/g, "_");
    if (/^[0-9]/.test(name)) name = `key_${name}`;
    if (nameCache.size > 10_000) nameCache.clear();
    nameCache.set(key, name);
  }
  return name;
}

/** The labels one attribute becomes: one, or one per member of a map value. */
export function attributeLabels(key: string, value: AnyValueJson | undefined, out: Record<string, string>, prefix = ""): void {
  const name = lokiLabelName(prefix === "" ? key : `${prefix}_${key}`);
  const members = value?.kvlistValue?.values;
  if (members !== undefined) {
    for (const member of members) if (typeof member?.key === "string") attributeLabels(member.key, member.value, out, name);
    return;
  }
  out[name] = anyValueText(value);
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

/** Parses an attribute column's JSON text (`[]` or "" when empty). */
export function parseAttributes(text: string | null | undefined): KeyValueJson[] {
  if (text === null || text === undefined || text === "" || text === "[]") return [];
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? (parsed as KeyValueJson[]).filter((kv) => typeof kv?.key === "string") : [];
}
