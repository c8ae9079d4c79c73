/**
 * The leaf keys of the configuration schema, found by walking it, so that the environment,
 * the flags, the README table and the example file all follow the schema without a list
 * kept by hand.
 */
import type { z } from "zod";
import { envName } from "./renamed-keys.ts";
import { configSchema } from "./schema.ts";

export type LeafKind = "string" | "number" | "boolean" | "enum" | "duration" | "list" | "table";

export interface ConfigKey {
  /** Dotted path, e.g. `discovery.catalog.dsn`. */
  path: string;
  /** Environment variable, e.g. `SIGNALBOX_DISCOVERY_CATALOG_DSN`. */
  env: string;
  kind: LeafKind;
  /** The default as a user would write it, or undefined when the key is unset by default. */
  fallback: unknown;
  description: string;
}

type AnySchema = z.ZodType & { _zod: { def: Record<string, any> }; description?: string };

function unwrap(schema: AnySchema): { inner: AnySchema; fallback: unknown; duration: boolean } {
  let node = schema;
  let fallback: unknown;
  let duration = false;
  for (;;) {
    const def = node._zod.def;
    if (def.type === "default" || def.type === "prefault") {
      if (fallback === undefined) fallback = typeof def.defaultValue === "function" ? def.defaultValue() : def.defaultValue;
      node = def.innerType;
    } else if (def.type === "optional" || def.type === "nullable") {
      node = def.innerType;
    } else if (def.type === "pipe") {
      duration = true; // the only transforms in the schema turn duration strings into milliseconds
      node = def.in;
    } else {
      return { inner: node, fallback, duration };
    }
  }
}

function describeOf(schema: AnySchema): string {
  // .describe() on a wrapper stores the text on the wrapper; look through the chain.
  let node: AnySchema | undefined = schema;
  while (node) {
    if (node.description) return node.description;
    const def: Record<string, any> = node._zod.def;
    node = def.innerType ?? def.in;
  }
  return "";
}

function walk(schema: AnySchema, prefix: string[], out: ConfigKey[]): void {
  const { inner, fallback, duration } = unwrap(schema);
  const def = inner._zod.def;
  if (def.type === "object") {
    for (const [key, child] of Object.entries(def.shape as Record<string, AnySchema>)) walk(child, [...prefix, key], out);
    return;
  }
  const kind: LeafKind = duration
    ? "duration"
    : def.type === "number"
      ? "number"
      : def.type === "boolean"
        ? "boolean"
        : def.type === "enum"
          ? "enum"
          : def.type === "array"
            ? "list"
            : def.type === "record"
              ? "table"
              : "string";
  const path = prefix.join(".");
  out.push({
    path,
    env: envName(path),
    kind,
    fallback,
    description: describeOf(schema),
  });
}

export const CONFIG_KEYS: readonly ConfigKey[] = (() => {
  const out: ConfigKey[] = [];
  walk(configSchema as unknown as AnySchema, [], out);
  return out;
})();

export function findKey(path: string): ConfigKey | undefined {
  return CONFIG_KEYS.find((k) => k.path === path);
}

/** Turn the text of an environment variable or flag into the value the schema expects. */
export function coerce(key: ConfigKey, text: string): unknown {
  switch (key.kind) {
    case "number": {
      const n = Number(text);
      return text.trim() === "" || Number.isNaN(n) ? text : n;
    }
    case "boolean":
      return text === "true" ? true : text === "false" ? false : text;
    case "list":
    case "table":
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    default:
      return text;
  }
}
