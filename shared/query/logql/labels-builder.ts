/**
 * One entry's labels while its pipeline runs, in Loki's three categories (pkg/logql/log/
 * labels.go): the stream's labels, structured metadata and parsed labels, plus the
 * `__error__` / `__error_details__` pair. Precedence as Loki's: parsed > structured metadata >
 * stream; a parser's key that exists as a stream label or structured metadata is renamed
 * `<key>_extracted`; the first parser to extract a key keeps it.
 */
import type { Labels } from "../../series/types.ts";

export type LabelCategory = "stream" | "metadata" | "parsed";

export const ERROR_LABEL = "__error__";
export const ERROR_DETAILS_LABEL = "__error_details__";
export const DUPLICATE_SUFFIX = "_extracted";

export const JSON_PARSER_ERROR = "JSONParserErr";
export const LOGFMT_PARSER_ERROR = "LogfmtParserErr";
export const SAMPLE_EXTRACTION_ERROR = "SampleExtractionErr";
export const LABEL_FILTER_ERROR = "LabelFilterErr";
export const TEMPLATE_FORMAT_ERROR = "TemplateFormatErr";

interface Added {
  value: string;
  category: LabelCategory;
}

export class LabelsBuilder {
  private readonly added = new Map<string, Added>();
  // Allocated on first use: most entries never delete or parse a label.
  private deleted?: Set<string>;
  /** Keys set as parsed labels during this entry: later parsers leave them alone. */
  private extracted?: Set<string>;
  err = "";
  errDetails = "";

  constructor(readonly base: Labels, metadata: Labels) {
    for (const name in metadata) {
      const value = metadata[name]!;
      const key = this.baseHas(name) ? name + DUPLICATE_SUFFIX : name;
      if (key === ERROR_LABEL) this.err = value;
      else if (key === ERROR_DETAILS_LABEL) this.errDetails = value;
      else this.set("metadata", key, value);
    }
  }

  baseHas(name: string): boolean {
    const v = this.base[name];
    return v !== undefined && v !== "";
  }

  hasMetadata(name: string): boolean {
    return this.added.get(name)?.category === "metadata";
  }

  /** The key a parser stores `name` under: renamed when the stream or metadata has it. */
  parserKey(name: string): string {
    return this.baseHas(name) || this.hasMetadata(name) ? name + DUPLICATE_SUFFIX : name;
  }

  wasExtracted(name: string): boolean {
    return this.extracted?.has(name) ?? false;
  }

  get(name: string): string | undefined {
    const a = this.added.get(name);
    if (a) return a.value;
    if (this.deleted?.has(name)) return undefined;
    const v = this.base[name];
    return v === undefined || v === "" ? undefined : v;
  }

  /** A label filter's view: the error labels read from their own slots. */
  value(name: string): string {
    if (name === ERROR_LABEL) return this.err;
    if (name === ERROR_DETAILS_LABEL) return this.errDetails;
    return this.get(name) ?? "";
  }

  set(category: LabelCategory, name: string, value: string): void {
    const prior = this.added.get(name);
    if (prior) {
      if (category === "metadata" && prior.category === "parsed") return;
      if (category === "stream" && prior.category !== "stream") return;
    }
    this.added.set(name, { value, category });
    if (category === "parsed") (this.extracted ??= new Set()).add(name);
  }

  delete(name: string): void {
    this.added.delete(name);
    (this.deleted ??= new Set()).add(name);
  }

  setError(err: string, details?: string): void {
    this.err = err;
    if (details !== undefined) this.errDetails = details;
  }

  /** Every label as a map: what templates see. */
  map(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name in this.base) {
      const value = this.base[name]!;
      if (value !== "" && !this.deleted?.has(name)) out[name] = value;
    }
    for (const [name, a] of this.added) out[name] = a.value;
    if (this.err) out[ERROR_LABEL] = this.err;
    if (this.errDetails) out[ERROR_DETAILS_LABEL] = this.errDetails;
    return out;
  }

  /** Every label name now present (error labels excepted). */
  names(): string[] {
    const names = new Set<string>();
    for (const [name, value] of Object.entries(this.base)) if (value !== "" && !this.deleted?.has(name)) names.add(name);
    for (const name of this.added.keys()) names.add(name);
    return [...names];
  }

  /** The labels by category, as a log query returns them and as samples are keyed. */
  result(): { stream: Record<string, string>; structuredMetadata: Record<string, string>; parsed: Record<string, string> } {
    const stream: Record<string, string> = {};
    const structuredMetadata: Record<string, string> = {};
    const parsed: Record<string, string> = {};
    for (const [name, value] of Object.entries(this.base)) {
      if (value !== "" && !this.deleted?.has(name) && !this.added.has(name)) stream[name] = value;
    }
    for (const [name, a] of this.added) {
      if (a.category === "parsed") parsed[name] = a.value;
      else if (a.category === "metadata") structuredMetadata[name] = a.value;
      else stream[name] = a.value;
    }
    if (this.err) parsed[ERROR_LABEL] = this.err;
    if (this.errDetails) parsed[ERROR_DETAILS_LABEL] = this.errDetails;
    return { stream, structuredMetadata, parsed };
  }
}

/**
 * A label of an entry before any stage: the stream's, else its structured metadata's (which is
 * named `<name>_extracted` when the stream has the same label), "" when neither — what the
 * labels builder would answer, without building it.
 */
export function entryLabelValue(stream: Labels, metadata: Labels, name: string): string {
  const s = stream[name];
  if (s) return s;
  if (name.endsWith(DUPLICATE_SUFFIX)) {
    const base = name.slice(0, -DUPLICATE_SUFFIX.length);
    if (stream[base] && metadata[base] !== undefined) return metadata[base]!;
  }
  return metadata[name] ?? "";
}
