/**
 * A log pipeline compiled once per query and run per entry: every stage of the AST as a
 * function of (line, labels) that returns the new line or drops the entry, Loki's order and
 * semantics (pkg/logql/log/pipeline.go).
 */
import type { LabelNameOrMatcher, Stage } from "./ast.ts";
import { LogQLError } from "./errors.ts";
import { compileLabelFilter, compileValueMatcher } from "./label-filters.ts";
import { ERROR_DETAILS_LABEL, ERROR_LABEL, LabelsBuilder, TEMPLATE_FORMAT_ERROR } from "./labels-builder.ts";
import { compileLineFilter } from "./line-filters.ts";
import {
  jsonExpressionParser, jsonParser, logfmtExpressionParser, logfmtParser, patternParser, regexpParser, type StageFn, unpackParser,
} from "./parsers.ts";
import { compilePattern } from "./pattern.ts";
import { compileRE2 } from "./re2.ts";
import { compileTemplate, executeTemplate, TemplateError } from "./template.ts";
import type { Labels } from "../../series/types.ts";

// Control characters of ANSI colour codes, as Loki's decolorize removes them.
const ANSI = /[\u001B\u009B][[\]()#;?]*(?:(?:(?:[a-zA-Z\d]*(?:;[a-zA-Z\d]*)*)?\u0007)|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PRZcf-ntqry=><~]))/g;

const SPECIAL = new Set([ERROR_LABEL, ERROR_DETAILS_LABEL, "__preserve_error__"]);

function template(source: string, line: string, ts: bigint, lbs: LabelsBuilder): string | undefined {
  try {
    return executeTemplate(compileTemplate(source), lbs.map(), { line, timestampNs: ts });
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    lbs.setError(TEMPLATE_FORMAT_ERROR, `template: ${err.message}`);
    return undefined;
  }
}

function dropStage(items: readonly LabelNameOrMatcher[]): StageFn {
  const compiled = items.map((i) => ({ name: i.name, test: i.matcher ? compileValueMatcher(i.matcher) : undefined }));
  return (line, lbs) => {
    for (const { name, test } of compiled) {
      if (name === ERROR_LABEL || name === ERROR_DETAILS_LABEL) {
        const current = name === ERROR_LABEL ? lbs.err : lbs.errDetails;
        if (!test || test(current)) {
          if (name === ERROR_LABEL) lbs.err = "";
          else lbs.errDetails = "";
        }
        continue;
      }
      const value = lbs.get(name);
      if (test ? test(value ?? "") : value !== undefined) lbs.delete(name);
    }
    return line;
  };
}

function keepStage(items: readonly LabelNameOrMatcher[]): StageFn {
  const compiled = items.map((i) => ({ name: i.name, test: i.matcher ? compileValueMatcher(i.matcher) : undefined }));
  return (line, lbs) => {
    for (const name of lbs.names()) {
      if (SPECIAL.has(name)) continue;
      const value = lbs.get(name) ?? "";
      const keep = compiled.some((k) => k.name === name && (!k.test || k.test(value)));
      if (!keep) lbs.delete(name);
    }
    return line;
  };
}

function compileStage(s: Stage): StageFn {
  switch (s.kind) {
    case "line_filter": {
      const test = compileLineFilter(s);
      return (line) => (test(line) ? line : null);
    }
    case "json":
      return s.params.length > 0 ? jsonExpressionParser(s.params) : jsonParser();
    case "logfmt":
      return s.params.length > 0 ? logfmtExpressionParser(s.params, s.strict) : logfmtParser(s.strict, s.keepEmpty);
    case "regexp": {
      const re = compileRE2(s.pattern, false);
      if (!/\(\?P?<[A-Za-z_]/.test(s.pattern)) throw new LogQLError("at least one named capture must be supplied in the regexp parser", s.pos);
      return regexpParser(re);
    }
    case "pattern":
      return patternParser(compilePattern(s.pattern, true));
    case "unpack":
      return unpackParser();
    case "label_filter": {
      const test = compileLabelFilter(s.filter);
      return (line, lbs) => (test(lbs) ? line : null);
    }
    case "line_format":
      return (line, lbs, ts) => template(s.template, line, ts, lbs) ?? line;
    case "label_format":
      if (s.items.some((item) => item.name === ERROR_LABEL)) throw new LogQLError(`${ERROR_LABEL} cannot be formatted`, s.pos);
      return (line, lbs, ts) => {
        for (const item of s.items) {
          if (item.rename !== undefined) {
            const v = lbs.get(item.rename);
            if (v !== undefined) {
              // As Loki: set, then delete the source (so `a=a` removes `a`).
              lbs.set("parsed", item.name, v);
              lbs.delete(item.rename);
            }
            continue;
          }
          const v = template(item.template!, line, ts, lbs);
          if (v !== undefined) lbs.set("parsed", item.name, v);
        }
        return line;
      };
    case "decolorize":
      return (line) => line.replace(ANSI, "");
    case "drop":
      return dropStage(s.labels);
    case "keep":
      return keepStage(s.labels);
  }
}

export interface ProcessedEntry {
  line: string;
  labels: LabelsBuilder;
}

export type Pipeline = (streamLabels: Labels, metadata: Labels, line: string, timestampNs: bigint) => ProcessedEntry | null;

/** Compiles the stages; throws LogQLError for a stage Loki refuses when building its pipeline. */
export function compilePipeline(stages: readonly Stage[]): Pipeline {
  const fns = stages.map(compileStage);
  return (streamLabels, metadata, line, ts) => {
    const lbs = new LabelsBuilder(streamLabels, metadata);
    let current = line;
    for (const fn of fns) {
      const next = fn(current, lbs, ts);
      if (next === null) return null;
      current = next;
    }
    return { line: current, labels: lbs };
  };
}
