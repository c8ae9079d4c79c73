/**
 * The parser stages — json, logfmt, regexp, pattern, unpack — as Loki's (pkg/logql/log/
 * parser.go): what each extracts, how keys are sanitised (`a.b-c` → `a_b_c`, a leading digit
 * gets `_`), nested JSON flattened with `_`, arrays skipped, and which errors they set.
 */
import type { ExtractionParam } from "./ast.ts";
import { type JsonNode, scanJsonLine } from "./json-scan.ts";
import { JSON_PARSER_ERROR, LOGFMT_PARSER_ERROR, type LabelsBuilder } from "./labels-builder.ts";
import { scanLogfmt } from "./logfmt.ts";
import { type CompiledPattern, matchPattern } from "./pattern.ts";

/** A stage run on one entry: the (possibly new) line, or null to drop the entry. */
export type StageFn = (line: string, lbs: LabelsBuilder, timestampNs: bigint) => string | null;

export function sanitizeLabelKey(key: string, isPrefix: boolean): string {
  const k = key.trim();
  if (k === "") return k;
  const prefixed = isPrefix && k[0]! >= "0" && k[0]! <= "9" ? "_" + k : k;
  return prefixed.replace(/[^A-Za-z0-9_]/g, "_");
}

function jsonValue(node: JsonNode): string | undefined {
  switch (node.type) {
    case "string":
      return node.value.replace(/\uFFFD/g, " ");
    case "number":
    case "bool":
      return node.raw;
    default:
      return undefined;
  }
}

export function jsonParser(): StageFn {
  return (line, lbs) => {
    let root: JsonNode;
    // Most lines that are not JSON say so at once: no scan (and no exception) for them.
    const first = line.trimStart()[0];
    if (first !== "{") {
      lbs.setError(JSON_PARSER_ERROR, first === undefined ? "Unexpected end of JSON input" : "expecting json object(6), but it is not");
      return line;
    }
    try {
      const scan = scanJsonLine(line);
      root = scan.root;
      if (root.type !== "object") throw new Error("expecting json object(6), but it is not");
      if (scan.truncated) lbs.setError(JSON_PARSER_ERROR, scan.truncated);
    } catch (err) {
      lbs.setError(JSON_PARSER_ERROR, (err as Error).message);
      return line;
    }
    const walk = (node: JsonNode & { type: "object" }, prefix: string[]) => {
      for (const [key, value] of node.entries) {
        if (value.type === "object") {
          walk(value, [...prefix, key]);
          continue;
        }
        const text = jsonValue(value);
        if (text === undefined) continue;
        let name: string;
        if (prefix.length === 0) {
          name = sanitizeLabelKey(key, true);
          if (name === "") continue;
          name = lbs.parserKey(name);
        } else {
          const parts = [...prefix, key].map((p) => p.trim()).filter((p) => p !== "");
          name = parts.map((p, i) => (i === 0 ? sanitizeLabelKey(p, true) : p.replace(/[^A-Za-z0-9_]/g, "_"))).join("_");
          if (lbs.baseHas(name) || lbs.hasMetadata(name)) {
            const renamed = [...prefix, key + "_extracted"].map((p) => p.trim()).filter((p) => p !== "");
            name = renamed.map((p, i) => (i === 0 ? sanitizeLabelKey(p, true) : p.replace(/[^A-Za-z0-9_]/g, "_"))).join("_");
          }
        }
        if (lbs.wasExtracted(name)) continue;
        lbs.set("parsed", name, text);
      }
    };
    walk(root, []);
    return line;
  };
}

type PathPart = string | number;

/** Loki's json expression paths: `a.b`, `a["b c"]`, `a[0].b`. Throws on a bad path. */
export function parseJsonPath(expression: string): PathPart[] {
  const parts: PathPart[] = [];
  let rest = expression.trim();
  const first = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
  if (first) {
    parts.push(first[0]);
    rest = rest.slice(first[0].length);
  } else if (!rest.startsWith("[")) throw new Error(`cannot parse expression [${expression}]: syntax error`);
  while (rest.length > 0) {
    let m = /^\.([A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
    if (m) {
      parts.push(m[1]!);
      rest = rest.slice(m[0].length);
      continue;
    }
    m = /^\[\s*(\d+)\s*\]/.exec(rest);
    if (m) {
      parts.push(Number(m[1]));
      rest = rest.slice(m[0].length);
      continue;
    }
    m = /^\[\s*"((?:[^"\\]|\\.)*)"\s*\]/.exec(rest);
    if (m) {
      parts.push(JSON.parse(`"${m[1]}"`) as string);
      rest = rest.slice(m[0].length);
      continue;
    }
    throw new Error(`cannot parse expression [${expression}]: syntax error`);
  }
  return parts;
}

function select(node: JsonNode, path: PathPart[]): JsonNode | undefined {
  let n: JsonNode | undefined = node;
  for (const p of path) {
    if (!n) return undefined;
    if (typeof p === "number") n = n.type === "array" ? n.items[p] : undefined;
    else if (n.type === "object") {
      const entry: [string, JsonNode] | undefined = n.entries.find(([k]) => k === p);
      n = entry?.[1];
    } else n = undefined;
  }
  return n;
}

export function jsonExpressionParser(params: readonly ExtractionParam[]): StageFn {
  const paths = params.map((p) => ({ name: p.name, path: parseJsonPath(p.expression) }));
  return (line, lbs) => {
    if (line === "") return line;
    if (!'"{['.includes(line[0]!)) {
      lbs.setError(JSON_PARSER_ERROR);
      return line;
    }
    let root: JsonNode | undefined;
    try {
      // Loki's path lookup stops at what it finds: a line cut short after the field still answers.
      root = scanJsonLine(line).root;
    } catch (err) {
      lbs.setError(JSON_PARSER_ERROR, (err as Error).message);
    }
    for (const { name, path } of paths) {
      const node = root ? select(root, path) : undefined;
      const key = lbs.baseHas(name) || lbs.hasMetadata(name) ? name + "_extracted" : name;
      if (node) {
        const value = node.type === "string" ? node.value : node.type === "null" ? "" : node.raw;
        lbs.set("parsed", key, value);
      } else if (lbs.get(name) === undefined) lbs.set("parsed", name, "");
    }
    return line;
  };
}

export function logfmtParser(strict: boolean, keepEmpty: boolean): StageFn {
  return (line, lbs) => {
    const { pairs, error } = scanLogfmt(line, strict);
    for (const [rawKey, value] of pairs) {
      const sanitized = sanitizeLabelKey(rawKey, true);
      if (sanitized === "") continue;
      const key = lbs.parserKey(sanitized);
      if (lbs.wasExtracted(key)) continue;
      if (!keepEmpty && value === "") continue;
      lbs.set("parsed", key, value.replace(/\uFFFD/g, " "));
    }
    if (strict && error) lbs.setError(LOGFMT_PARSER_ERROR, error);
    return line;
  };
}

export function logfmtExpressionParser(params: readonly ExtractionParam[], strict: boolean): StageFn {
  return (line, lbs) => {
    for (const p of params) if (!lbs.baseHas(p.name) && !lbs.hasMetadata(p.name)) lbs.set("parsed", p.name, "");
    const { pairs, error } = scanLogfmt(line, strict);
    for (const [rawKey, value] of pairs) {
      const sanitized = sanitizeLabelKey(rawKey, true);
      const param = params.find((p) => p.expression === sanitized || p.expression === rawKey);
      if (!param) continue;
      const key = lbs.baseHas(param.name) || lbs.hasMetadata(param.name) ? param.name + "_extracted" : param.name;
      lbs.set("parsed", key, value.includes("\uFFFD") ? "" : value);
    }
    if (strict && error) lbs.setError(LOGFMT_PARSER_ERROR, error);
    return line;
  };
}

export function regexpParser(re: RegExp): StageFn {
  const names = Object.keys(new RegExp(`${re.source}|`, re.flags).exec("")?.groups ?? {});
  return (line, lbs) => {
    const m = re.exec(line);
    if (!m) return line;
    for (const name of names) {
      const key = lbs.parserKey(sanitizeLabelKey(name, true));
      if (lbs.wasExtracted(key)) continue;
      lbs.set("parsed", key, m.groups?.[name] ?? "");
    }
    return line;
  };
}

export function patternParser(p: CompiledPattern): StageFn {
  return (line, lbs) => {
    const matches = matchPattern(p, line);
    if (!matches) return line;
    matches.forEach((value, i) => {
      const key = lbs.parserKey(p.names[i]!);
      if (!lbs.wasExtracted(key)) lbs.set("parsed", key, value);
    });
    return line;
  };
}

/** `unpack`: a Promtail-packed JSON line — string fields become labels and `_entry` the line. */
export function unpackParser(): StageFn {
  return (line, lbs) => {
    if (line === "") return line;
    if (line[0] !== "{") {
      lbs.setError(JSON_PARSER_ERROR, "expecting json object(6), but it is not");
      return line;
    }
    let root: JsonNode;
    try {
      const scan = scanJsonLine(line);
      if (scan.truncated) throw new Error(scan.truncated);
      root = scan.root;
    } catch (err) {
      lbs.setError(JSON_PARSER_ERROR, (err as Error).message);
      return line;
    }
    if (root.type !== "object") return line;
    let entry: string | undefined;
    const found: [string, string][] = [];
    for (const [key, value] of root.entries) {
      if (value.type !== "string") continue;
      if (key === "_entry") {
        entry = value.value;
        continue;
      }
      const name = lbs.parserKey(key);
      if (lbs.wasExtracted(name)) continue;
      found.push([sanitizeLabelKey(name, true), value.value]);
    }
    if (entry === undefined) return line;
    for (const [name, value] of found) lbs.set("parsed", name, value);
    return entry;
  };
}
