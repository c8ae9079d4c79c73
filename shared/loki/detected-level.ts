/**
 * `detected_level`, as Loki's distributor computes it (`FieldDetector.extractLogLevel` in
 * grafana/loki `pkg/distributor/field_detection.go`):
 * 1. a `detected_level` already in the metadata is kept (normalised);
 * 2. else the first LEVEL_FIELDS name among the stream labels, then among the metadata
 *    (an OTLP record's `severity_text` is one), normalised;
 * 3. else the OTLP `severity_number` by its ranges;
 * 4. else the line: a JSON line's first string field named in LEVEL_FIELDS (two levels deep),
 *    a logfmt line's first such key, else the leftmost level word standing alone in the
 *    line; `unknown` when none is found.
 */
import type { Labels } from "../series/index.ts";
import { DETECTED_LEVEL, LEVEL_FIELDS, LEVEL_FROM_JSON_MAX_DEPTH } from "./defaults.ts";

const LEVEL_FIELD_SET = new Set(LEVEL_FIELDS);

/** Loki's spellings of each level, compared case-insensitively. */
const NORMAL: ReadonlyMap<string, string> = new Map([
  ["trace", "trace"], ["trc", "trace"],
  ["debug", "debug"], ["dbg", "debug"],
  ["info", "info"], ["inf", "info"], ["information", "info"],
  ["warn", "warn"], ["wrn", "warn"], ["warning", "warn"],
  ["error", "error"], ["err", "error"],
  ["critical", "critical"],
  ["fatal", "fatal"],
]);

export function normalizeLevel(level: string): string {
  return NORMAL.get(level.toLowerCase()) ?? level;
}

export function detectedLevel(stream: Labels, metadata: Labels, line: string): string | undefined {
  const present = metadata[DETECTED_LEVEL];
  if (present !== undefined) return normalizeLevel(present);
  const field = firstOf(stream) ?? firstOf(metadata);
  const level = field !== undefined ? normalizeLevel(field) : levelOfEntry(metadata, line);
  return level === "" ? undefined : level;
}

function firstOf(labels: Labels): string | undefined {
  for (const name of LEVEL_FIELDS) {
    const value = labels[name];
    if (value !== undefined) return value;
  }
  return undefined;
}

function levelOfEntry(metadata: Labels, line: string): string {
  const severity = metadata.severity_number;
  if (severity !== undefined && severity !== "") {
    const n = Number.parseInt(severity, 10);
    if (!Number.isInteger(n) || String(n) !== severity) return "info";
    if (n === 0) return "unknown";
    if (n <= 4) return "trace";
    if (n <= 8) return "debug";
    if (n <= 12) return "info";
    if (n <= 16) return "warn";
    if (n <= 20) return "error";
    if (n <= 24) return "fatal";
    return "unknown";
  }
  return levelOfLine(line);
}

export function levelOfLine(line: string): string {
  let value: string | undefined;
  const trimmed = line.trim();
  if (trimmed.startsWith("{") && trimmed.endsWith("}")) value = levelOfJson(trimmed);
  else if (line.includes("=")) value = levelOfLogfmt(line);
  else return levelWord(line);
  const normal = value !== undefined ? NORMAL.get(value.toLowerCase()) : undefined;
  return normal ?? levelWord(line);
}

function levelOfJson(text: string): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const search = (obj: unknown, depth: number): string | undefined => {
    if (depth >= LEVEL_FROM_JSON_MAX_DEPTH || obj === null || typeof obj !== "object" || Array.isArray(obj)) return undefined;
    for (const [key, value] of Object.entries(obj)) {
      if (typeof value === "string" && LEVEL_FIELD_SET.has(key)) return value;
      if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        const found = search(value, depth + 1);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  };
  return search(doc, 0);
}

/** The value of the first LEVEL_FIELDS key (in that list's order) among a logfmt line's pairs. */
function levelOfLogfmt(line: string): string | undefined {
  let best: string | undefined;
  let bestRank = LEVEL_FIELDS.length;
  for (const m of line.matchAll(/(?:^|\s)([^\s="]+)=("(?:[^"\\]|\\.)*"|[^\s]*)/g)) {
    const key = m[1]!.toLowerCase();
    const rank = LEVEL_FIELDS.findIndex((f) => f.toLowerCase() === key);
    if (rank === -1 || rank >= bestRank) continue;
    const raw = m[2]!;
    best = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, "$1") : raw;
    bestRank = rank;
    if (rank === 0) break;
  }
  return best;
}

/** Level words in Loki's order of preference at one position. */
const LEVEL_WORDS: ReadonlyArray<[string, string]> = [
  ["trace", "trace"], ["debug", "debug"], ["fatal", "fatal"], ["critical", "critical"],
  ["error", "error"], ["err", "error"], ["warning", "warn"], ["warn", "warn"], ["info", "info"],
];
const LEFT_BOUNDARY = new Set([" ", "\t", "\n", "[", "(", "{", '"', "'", "=", "|"]);
const RIGHT_BOUNDARY = new Set([" ", "\t", "\n", "[", "]", "(", ")", "{", "}", ":", ",", "!", '"', "'", "=", "|"]);

/** The leftmost level word with a boundary on both sides; `unknown` when there is none. */
export function levelWord(line: string): string {
  const lower = line.toLowerCase();
  let best = lower.length;
  let level = "unknown";
  for (const [word, normal] of LEVEL_WORDS) {
    let from = 0;
    for (;;) {
      const at = lower.indexOf(word, from);
      if (at === -1 || at >= best) break;
      const left = at === 0 || LEFT_BOUNDARY.has(lower[at - 1]!);
      const end = at + word.length;
      const right = end >= lower.length || RIGHT_BOUNDARY.has(lower[end]!);
      if (left && right) {
        best = at;
        level = normal;
        break;
      }
      from = at + 1;
    }
    if (best === 0) break;
  }
  return level;
}
