import type { LRParser } from "@lezer/lr";
import { parser } from "@prometheus-io/lezer-promql";

/**
 * The lezer PromQL grammar, taught one function name it no longer has: `holt_winters`, which
 * Prometheus 2.x has under that name (3.x renamed it double_exponential_smoothing). The grammar
 * turns identifiers into function tokens with a table-driven specializer; a private copy of the
 * parser gets that specializer wrapped so the old name yields the renamed function's token. The
 * AST reads the name from the query text, so both names stay distinct.
 */
type Specializer = (value: string, stack: unknown) => number;

interface SpecializerInternals {
  specializers: Specializer[];
  specializerSpecs: { external?: Specializer }[];
}

function withHoltWinters(base: LRParser): LRParser {
  const copy = base.configure({});
  const internals = copy as unknown as SpecializerInternals;
  const table = internals.specializerSpecs.findIndex((s) => !s.external);
  if (table < 0) return base;
  const original = internals.specializers[table];
  internals.specializers = internals.specializers.map((f, i) =>
    i === table ? (value, stack) => original(value === "holt_winters" ? "double_exponential_smoothing" : value, stack) : f,
  );
  return copy;
}

export const promqlGrammar: LRParser = withHoltWinters(parser);
