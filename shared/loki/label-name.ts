/**
 * OTLP attribute → Loki label, as Loki converts them (`AttributeToLabels` in grafana/loki,
 * names through Prometheus's `otlptranslator.LabelNamer`): every character outside
 * `[a-zA-Z0-9_]` becomes `_` (`service.name` → `service_name`), a leading digit gets the
 * prefix `key_`; values are the AnyValue as text (pcommon's `AsString`), maps expand into one
 * label per member with the parent's name as prefix (`k8s.labels: {app: x}` → `k8s_labels_app`).
 */

import { anyValueText, type AnyValueJson, type KeyValueJson } from "../otlp/index.ts";

export { anyValueText, plainJson, type AnyValueJson, type KeyValueJson } from "../otlp/index.ts";

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

/** Parses an attribute column's JSON text (`[]` or "" when empty). */
export function parseAttributes(text: string | null | undefined): KeyValueJson[] {
  if (text === null || text === undefined || text === "" || text === "[]") return [];
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? (parsed as KeyValueJson[]).filter((kv) => typeof kv?.key === "string") : [];
}
