/**
 * OTLP/JSON attribute lists (as the tables store them) → Prometheus label sets: point
 * attributes become labels; the resource gives `job` (`service.namespace/service.name`, or
 * `service.name`) and `instance` (`service.instance.id`), and its other attributes go on the
 * `target_info` series only. Values are written as OTLP's `AsString` writes them (ints in
 * decimal, doubles as Go prints them, arrays and maps as JSON: shared/otlp/any-value-text.ts).
 */
import { anyValueText, type KeyValueJson } from "../../otlp/index.ts";
import { prometheusLabelName } from "./names.ts";

/** An attribute list text → [key, value as text] in order. */
export function attributeEntries(json: string): [string, string][] {
  if (json === "" || json === "[]") return [];
  const list = JSON.parse(json) as KeyValueJson[];
  return list.map((kv) => [kv.key, anyValueText(kv.value)]);
}

/**
 * Attributes → labels, names sanitised. Keys that sanitise to the same name have their
 * values joined with `;` in the order of their original keys (Prometheus's rule); empty
 * values are left out (an empty label is an absent label).
 */
export function attributeLabels(entries: readonly [string, string][]): Record<string, string> {
  const byName = new Map<string, [string, string][]>();
  for (const [key, value] of entries) {
    const name = prometheusLabelName(key);
    if (name === "" || value === "") continue;
    const list = byName.get(name);
    if (list) list.push([key, value]);
    else byName.set(name, [[key, value]]);
  }
  const labels: Record<string, string> = {};
  for (const [name, list] of byName) {
    labels[name] = list.length === 1 ? list[0]![1] : list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]).join(";");
  }
  return labels;
}

/** What one resource contributes: the labels on every series, and target_info's extra labels. */
export interface ResourceLabels {
  /** `job` and `instance`, when the resource has them. */
  identity: Record<string, string>;
  /** The other resource attributes as labels; empty → no target_info series. */
  info: Record<string, string>;
}

const IDENTITY_KEYS = new Set(["service.name", "service.namespace", "service.instance.id"]);

export function resourceLabels(resourceAttributesJson: string): ResourceLabels {
  const entries = attributeEntries(resourceAttributesJson);
  const get = (key: string) => entries.find((e) => e[0] === key)?.[1] ?? "";
  const identity: Record<string, string> = {};
  const service = get("service.name");
  const namespace = get("service.namespace");
  if (service !== "") identity.job = namespace !== "" ? `${namespace}/${service}` : service;
  const instance = get("service.instance.id");
  if (instance !== "") identity.instance = instance;
  const info = attributeLabels(entries.filter((e) => !IDENTITY_KEYS.has(e[0])));
  return { identity, info };
}
