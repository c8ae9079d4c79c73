/**
 * The PromQL conformance corpus (test/fixtures/promql/queries.yaml), expanded: every template
 * with its `{{.variant}}` placeholders replaced by each combination of variant values.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export interface CorpusQuery {
  query: string;
  /** Both engines must refuse it (the error class is compared). */
  shouldFail: boolean;
  /**
   * A deliberate difference and why: Prometheus 2.42 refuses what Signalbox answers
   * (`prometheus_fails`), or both answer with different values (`values_differ`).
   */
  differs?: { kind: DifferenceKind; reason: string };
}

export type DifferenceKind = "prometheus_fails" | "values_differ";

interface CorpusFile {
  variants: Record<string, string[]>;
  queries: { query: string; variant_args?: string[]; should_fail?: boolean; differs?: DifferenceKind; reason?: string }[];
}

export const CORPUS_PATH = join(import.meta.dir, "../fixtures/promql/queries.yaml");

function expand(template: string, args: readonly string[], variants: Record<string, string[]>): string[] {
  if (args.length === 0) return [template];
  const [first, ...rest] = args;
  const values = variants[first];
  if (!values) throw new Error(`corpus: unknown variant ${first}`);
  return values.flatMap((v) => expand(template.replaceAll(`{{.${first}}}`, v), rest, variants));
}

export function loadPromQLCorpus(path = CORPUS_PATH): CorpusQuery[] {
  const file = parse(readFileSync(path, "utf8")) as CorpusFile;
  const out: CorpusQuery[] = [];
  const seen = new Set<string>();
  for (const entry of file.queries) {
    for (const query of expand(entry.query, entry.variant_args ?? [], file.variants)) {
      if (seen.has(query)) throw new Error(`corpus: duplicate query ${query}`);
      seen.add(query);
      out.push({
        query,
        shouldFail: entry.should_fail === true,
        differs: entry.differs ? { kind: entry.differs, reason: entry.reason ?? "" } : undefined,
      });
    }
  }
  return out;
}
