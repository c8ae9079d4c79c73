/**
 * A row's stream labels and the structured metadata its resource contributes, as Loki splits
 * an OTLP resource (`ResourceAttrsToStreamLabels`): the indexed attributes (defaults.ts) are
 * stream labels, every other one structured metadata; `service_name` is the resource's
 * `service.name`, else the first of DISCOVER_SERVICE_NAME among the labels, else
 * `unknown_service`. Rows from Loki push (LOKI_PUSH_SCHEMA_URL) index every resource attribute,
 * names as pushed.
 */
import type { Labels } from "../series/index.ts";
import { DISCOVER_SERVICE_NAME, INDEXED_RESOURCE_ATTRIBUTES, LOKI_PUSH_SCHEMA_URL, SERVICE_NAME_LABEL, UNKNOWN_SERVICE } from "./defaults.ts";
import { anyValueText, attributeLabels, parseAttributes } from "./label-name.ts";
import type { LokiResourceFields } from "./log-row.ts";

const INDEXED = new Set(INDEXED_RESOURCE_ATTRIBUTES);

/** Stream label name → the resource attribute key it comes from (OTLP rows). */
export const INDEXED_LABEL_KEYS: ReadonlyMap<string, string> = new Map(
  INDEXED_RESOURCE_ATTRIBUTES.map((key) => [key.replace(/[^a-zA-Z0-9_]/g, "_"), key]),
);

export interface ResourceSplit {
  /** Sorted by name. */
  labels: Labels;
  /** The resource's contribution to every entry's structured metadata. */
  metadata: Labels;
}

export function splitResource(row: LokiResourceFields): ResourceSplit {
  const labels: Record<string, string> = {};
  const metadata: Record<string, string> = {};
  const pushed = row.resourceSchemaUrl === LOKI_PUSH_SCHEMA_URL;
  for (const { key, value } of parseAttributes(row.resourceAttributes)) {
    // A pushed resource's `service.name` only fills the service column (push.ts).
    if (pushed) {
      if (key !== "service.name") labels[key] = anyValueText(value);
    }
    else attributeLabels(key, value, INDEXED.has(key) ? labels : metadata);
  }
  if (row.serviceName !== "") labels[SERVICE_NAME_LABEL] = row.serviceName;
  else if (!(SERVICE_NAME_LABEL in labels) || labels[SERVICE_NAME_LABEL] === "") {
    labels[SERVICE_NAME_LABEL] = DISCOVER_SERVICE_NAME.map((name) => labels[name]).find((v) => v !== undefined && v !== "") ?? UNKNOWN_SERVICE;
  }
  return { labels: sortedLabels(labels), metadata };
}

/**
 * Remembers the split of each distinct resource: a query reads many rows of few resources
 * (files keep resource columns dictionary-encoded, so the texts repeat).
 */
export class ResourceSplitCache {
  private readonly cache = new Map<string, ResourceSplit>();

  split(row: LokiResourceFields): ResourceSplit {
    const key = `${row.serviceName}\u0000${row.resourceSchemaUrl}\u0000${row.resourceAttributes}`;
    let split = this.cache.get(key);
    if (split === undefined) {
      split = splitResource(row);
      if (this.cache.size > 50_000) this.cache.clear();
      this.cache.set(key, split);
    }
    return split;
  }
}

export function sortedLabels(labels: Record<string, string>): Labels {
  const out: Record<string, string> = {};
  for (const name of Object.keys(labels).sort()) out[name] = labels[name]!;
  return out;
}
