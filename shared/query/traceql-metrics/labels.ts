/**
 * Series labels in Tempo's two forms: typed (OTLP AnyValue, the `labels` of the JSON answer)
 * and Prometheus text (`promLabels`, and the series engine's string labels), where Tempo
 * writes ints as `int(5)`, nil as `<nil>` and the empty string as `<empty>`.
 */
import type { Labels } from "../../series/index.ts";
import type { TypedLabel, TypedValue } from "./rows.ts";

export type AnyValueJson =
  | { stringValue: string }
  | { intValue: string }
  | { doubleValue: number | string }
  | { boolValue: boolean }
  | Record<string, never>;

export function anyValueOf(v: TypedValue): AnyValueJson {
  switch (v.type) {
    case "int":
      return { intValue: v.text };
    case "double": {
      const n = Number(v.text);
      // OTLP/JSON writes non-finite doubles as strings.
      return { doubleValue: Number.isFinite(n) ? n : v.text };
    }
    case "bool":
      return { boolValue: v.text === "true" };
    case "nil":
      return {};
    default:
      return { stringValue: v.text };
  }
}

export function promValueOf(v: TypedValue): string {
  switch (v.type) {
    case "nil":
      return "<nil>";
    case "int":
      return `int(${v.text})`;
    case "string":
      return v.text === "" ? "<empty>" : v.text === "nil" ? "<nil>" : v.text;
    default:
      return v.text;
  }
}

export function stringLabels(labels: readonly TypedLabel[]): Labels {
  return Object.fromEntries(labels.map((l) => [l.name, promValueOf(l.value)]));
}

/** `{a="x", b="int(3)"}`: names sorted, values quoted as Prometheus prints them. */
export function promLabelsText(labels: readonly TypedLabel[]): string {
  const sorted = [...labels].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return `{${sorted.map((l) => `${l.name}=${JSON.stringify(promValueOf(l.value))}`).join(", ")}}`;
}
