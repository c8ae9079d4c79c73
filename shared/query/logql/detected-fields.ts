/**
 * Loki's detected fields (pkg/querier/queryrange/detected_fields.go) over the entries a log
 * query returned: every structured metadata name (`parsers` null), every label the query's
 * own parsers added, and what Loki's field detection finds in each line — a json parse (with
 * the JSON path of each field), or a logfmt one when the line is not JSON. Types as Loki's
 * `determineType` sees a field's latest value; cardinality is the exact number of distinct
 * values (Loki estimates it with a HyperLogLog sketch).
 */
import { durationNs, GO_DURATION } from "../../duration/index.ts";
import { scanJson, type JsonNode } from "./json-scan.ts";
import { goParseFloat } from "./label-filters.ts";
import { ERROR_DETAILS_LABEL, ERROR_LABEL, LabelsBuilder } from "./labels-builder.ts";
import { jsonParser, logfmtParser, sanitizeLabelKey } from "./parsers.ts";
import type { LogResultEntry } from "./source.ts";
import { parseBytes } from "./units.ts";

export type DetectedFieldType = "string" | "int" | "float" | "boolean" | "duration" | "bytes";

export interface DetectedField {
  label: string;
  type: DetectedFieldType;
  cardinality: number;
  /** null for structured metadata (Loki: no parser). */
  parsers: string[] | null;
  jsonPath?: string[];
}

/** Loki's `_pipeline_ error labels`, never fields. */
const ERROR_LABELS = new Set([ERROR_LABEL, ERROR_DETAILS_LABEL, "__preserve_error__"]);

interface FieldState {
  values: Set<string>;
  type: DetectedFieldType;
  parsers: string[];
  jsonPath?: string[];
}

/** At most `limit` fields, first found first kept, sorted by name. */
export function detectFields(entries: readonly LogResultEntry[], limit: number): DetectedField[] {
  const fields = new Map<string, FieldState>();
  const metadataFields = new Set<string>();
  const field = (name: string, parsers: readonly string[]) => {
    let f = fields.get(name);
    if (!f && fields.size < limit) fields.set(name, (f = { values: new Set(), type: "string", parsers: [...parsers] }));
    return f;
  };
  for (const entry of entries) {
    for (const [name, value] of Object.entries(entry.structuredMetadata)) {
      const f = field(name, []);
      if (!f) continue;
      metadataFields.add(name);
      f.type = determineType(value);
      f.values.add(value);
    }
    const { values, parser, jsonPaths } = parseEntry(entry);
    for (const [name, value] of values) {
      const f = field(name, parser ? [parser] : []);
      if (!f) continue;
      if (parser && !f.parsers.includes(parser)) f.parsers.push(parser);
      if (parser === "json") f.jsonPath = jsonPaths.get(name);
      f.type = determineType(value);
      f.values.add(value);
    }
  }
  return [...fields]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([label, f]) => ({
      label,
      type: f.type,
      cardinality: f.values.size,
      parsers: f.parsers.length > 0 ? f.parsers : null,
      ...(f.jsonPath ? { jsonPath: f.jsonPath } : {}),
    }));
}

/** The distinct values of field `name`, at most `limit`, sorted; byte sizes written as Loki writes them. */
export function detectedFieldValues(entries: readonly LogResultEntry[], name: string, limit: number): string[] {
  const values = new Set<string>();
  for (const entry of entries) {
    if (values.size >= limit) break;
    const metadata = entry.structuredMetadata[name];
    if (metadata !== undefined) values.add(metadata);
    const parsed = parseEntry(entry).values.get(name);
    if (parsed !== undefined) values.add(bytesAsLokiWritesThem(parsed) ?? parsed);
  }
  return [...values].sort();
}

interface ParsedEntry {
  values: Map<string, string>;
  parser?: "json" | "logfmt";
  jsonPaths: Map<string, string[]>;
}

/** Loki's `parseEntry`: the query's parsed labels, then a json (else logfmt) parse of the line. */
function parseEntry(entry: LogResultEntry): ParsedEntry {
  const values = new Map<string, string>();
  for (const [name, value] of Object.entries(entry.parsed)) if (!ERROR_LABELS.has(name)) values.set(name, value);
  // The stream's labels without the ones the query's parsers added, as Loki rebuilds them.
  const stream = Object.fromEntries(Object.entries(entry.stream).filter(([name]) => !(name in entry.parsed)));
  let lbs = new LabelsBuilder(stream, {});
  jsonParser()(entry.line, lbs, entry.timestampNs);
  let parser: ParsedEntry["parser"] = "json";
  if (lbs.err !== "") {
    lbs = new LabelsBuilder(stream, {});
    logfmtParser(false, false)(entry.line, lbs, entry.timestampNs);
    parser = "logfmt";
    if (lbs.err !== "") return { values, jsonPaths: new Map() };
  }
  for (const [name, value] of Object.entries(lbs.result().parsed)) if (!ERROR_LABELS.has(name)) values.set(name, value);
  return { values, parser, jsonPaths: parser === "json" ? jsonPathsOf(entry.line) : new Map() };
}

/** Each flattened JSON field's path (`{"user":{"id":1}}`: user_id → ["user", "id"]), named as the json parser names them. */
function jsonPathsOf(line: string): Map<string, string[]> {
  const paths = new Map<string, string[]>();
  let root: JsonNode;
  try {
    root = scanJson(line);
  } catch {
    return paths;
  }
  const walk = (node: JsonNode, prefix: string[]) => {
    if (node.type !== "object") return;
    for (const [key, value] of node.entries) {
      const path = [...prefix, key];
      if (value.type === "object") walk(value, path);
      else {
        const parts = path.map((p) => p.trim()).filter((p) => p !== "");
        const name = parts.map((p, i) => (i === 0 ? sanitizeLabelKey(p, true) : p.replace(/[^A-Za-z0-9_]/g, "_"))).join("_");
        if (name !== "" && !paths.has(name)) paths.set(name, path);
      }
    }
  };
  walk(root, []);
  return paths;
}

const GO_INT = /^[+-]?\d+$/;
const GO_BOOL = new Set(["1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"]);

/** Loki's `determineType`: int, float, boolean, duration, bytes, else string — the first that parses. */
export function determineType(value: string): DetectedFieldType {
  if (GO_INT.test(value) && BigInt(value) <= 9_223_372_036_854_775_807n && BigInt(value) >= -9_223_372_036_854_775_808n) return "int";
  if (goParseFloat(value) !== undefined) return "float";
  if (GO_BOOL.has(value)) return "boolean";
  if (isGoDuration(value)) return "duration";
  if (parseBytes(value) !== undefined) return "bytes";
  return "string";
}

function isGoDuration(value: string): boolean {
  const body = value.startsWith("-") || value.startsWith("+") ? value.slice(1) : value;
  return body === "0" || durationNs(body, GO_DURATION) !== undefined;
}

/** The byte-size suffixes after which Loki rewrites a value (`allowedBytesUnits`). */
const BYTE_SUFFIXES = ["b", "kib", "kb", "mib", "mb", "gib", "gb", "tib", "tb", "pib", "pb", "eib", "eb", "ki", "k", "mi", "m", "gi", "g", "ti", "t", "pi", "p", "ei", "e"];
const SI_UNITS = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];

/** A byte size re-written as go-humanize's `Bytes` without its space (`10MiB` → `10MB`), so it fits a query. */
function bytesAsLokiWritesThem(value: string): string | undefined {
  const lower = value.toLowerCase();
  if (!BYTE_SUFFIXES.some((s) => lower.endsWith(s))) return undefined;
  const bytes = parseBytes(value);
  return bytes === undefined ? undefined : humanizeBytes(bytes);
}

/** go-humanize's `Bytes` (SI units) without its space, as Loki prints byte sizes in queries. */
export function humanizeBytes(bytes: number): string {
  if (bytes < 10) return `${bytes}B`;
  const e = Math.floor(Math.log(bytes) / Math.log(1000));
  const scaled = Math.floor((bytes / 1000 ** e) * 10 + 0.5) / 10;
  return `${scaled < 10 ? scaled.toFixed(1) : halfEven(scaled)}${SI_UNITS[e]}`;
}

/** Go's `%.0f`: halves round to the even neighbour (10.5 → 10). */
function halfEven(v: number): string {
  const floor = Math.floor(v);
  if (v - floor !== 0.5) return String(Math.round(v));
  return String(floor % 2 === 0 ? floor : floor + 1);
}
