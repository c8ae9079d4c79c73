/**
 * Search newest-first with early termination, exact. Tempo's answer is the `limit` newest
 * matching traces; reading every span for it costs a scan of all attribute JSON in range.
 * Instead:
 * 1. take the newest k spans that may belong to a match (searchCandidatesSql, newest file
 *    first: search-scope.ts);
 * 2. evaluate the search fully on the traces of the newest of them (every span of those
 *    traces, every source): `limit` + a few traces first, in the order of their newest
 *    candidate span;
 * 3. the answer is exact when every candidate was seen (fewer than k) and evaluated, or when
 *    the `limit` hits all start after a bound that no trace left out can reach: a matching
 *    trace left out has all its candidate spans at or before the first candidate span of the
 *    first trace left out (or the k-th candidate), so it starts at or before that and cannot
 *    outrank them. Otherwise more traces are evaluated (×4 or more: as many as the hit rate
 *    so far says `limit` hits need, nextCount), then k grows ×8 (the traces already
 *    evaluated are skipped over), and at MAX_K the plain query runs.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Table } from "apache-arrow";
import type { SearchTicket } from "../../../shared/query/index.ts";
import { candidateTracesSql, compileSearch, searchCandidatesSql } from "./search.ts";
import { rowObjects } from "./row-objects.ts";
import type { SearchScope } from "./search-scope.ts";
import { EvaluatedTraces, withSearchEnvelope } from "./search-envelope.ts";
import { hitsTable, nonScalarSpansSql, SearchEvaluation, traceSpansFromSql, tooManySpans, type SearchHit } from "./traceql/search-eval.ts";
import type { SpanRow } from "./traceql/trace-model.ts";

const FIRST_K_PER_RESULT = 4;
const MAX_K = 200_000;
/** Traces evaluated first beyond `limit`: a few spare for matches the candidates overstate. */
const SPARE_TRACES = 8;
/** Growth of the traces evaluated per step (nextCount), and the margin on the hit rate's estimate. */
const MIN_TRACE_GROWTH = 4;
const MAX_TRACE_GROWTH = 16;
const HIT_RATE_MARGIN = 1.5;
/**
 * Most spans one search loads into the evaluator (spansets are built in memory, traceql/):
 * past it the search is refused with a clear error rather than exhausting the querier.
 */
export const MAX_EVALUATED_SPANS = 1_000_000;
/** Traces loaded per statement when every candidate trace must be evaluated. */
const TRACES_PER_CHUNK = 2_000;

export async function runSearch(
  connection: DuckDBConnection,
  ticket: SearchTicket,
  scope: SearchScope,
  maxRows: number,
  maxSpans = MAX_EVALUATED_SPANS,
): Promise<Table> {
  const limit = Math.min(ticket.limit, maxRows);
  const bounded = { ...ticket, limit };
  const { expr, extra, legacy } = compileSearch(bounded);
  const evaluation = new SearchEvaluation(expr, bounded, { perSpan: extra.length > 0, legacy });
  // Every trace evaluated, with its spans per service: the answer's envelope (search-envelope.ts).
  const evaluated = new EvaluatedTraces();
  const evaluate = async (traceIds: string[], budget: { spans: number }) => {
    const from = await scope.narrowTo(traceIds);
    const rows = rowObjects(await connection.runAndReadAll(traceSpansFromSql(from, traceIds, extra, evaluation.columns))) as unknown as SpanRow[];
    await withNonScalarAttributes(connection, from, traceIds, rows, evaluation.columns.dedicated);
    budget.spans += rows.length;
    if (budget.spans > maxSpans) throw tooManySpans(maxSpans);
    evaluated.add(rows);
    return evaluation.evaluate(rows);
  };
  // A trace's evaluation does not depend on the round that asked for it: each is loaded once,
  // and a round's answer is the newest hits of every trace evaluated so far (a superset of its
  // own traces: those outside them are known exactly too, so the plan's bound still holds).
  const done = new Set<string>();
  let newest: SearchHit[] = [];
  const exact = await newestFirst(scope, bounded, async (traceIds) => {
    const fresh = traceIds.filter((id) => !done.has(id));
    for (const id of fresh) done.add(id);
    if (fresh.length > 0) newest = newestHits([...newest, ...(await evaluate(fresh, { spans: 0 }))], limit);
    return { rows: newest.length, oldest: oldestOf(newest.map((h) => h.start)), result: newest };
  });
  if (exact !== undefined) return withSearchEnvelope(hitsTable(exact), evaluated, scope);
  scope.readEverySource();
  // Last resort: every trace with a candidate span, in chunks, within one span budget.
  const ids = ((await connection.runAndReadAll(candidateTracesSql(bounded, scope.view))).getRows() as Array<[string]>).map(([id]) => id);
  const budget = { spans: 0 };
  let hits: SearchHit[] = [];
  for (let i = 0; i < ids.length; i += TRACES_PER_CHUNK) {
    hits = newestHits([...hits, ...(await evaluate(ids.slice(i, i + TRACES_PER_CHUNK), budget))], limit);
  }
  return withSearchEnvelope(hitsTable(hits), evaluated, scope);
}

/** The `limit` newest hits (ties: by trace id), as the evaluation orders them. */
function newestHits(hits: SearchHit[], limit: number): SearchHit[] {
  return hits.sort((a, b) => (a.start < b.start ? 1 : a.start > b.start ? -1 : a.traceId < b.traceId ? -1 : 1)).slice(0, limit);
}

/** Spans read through dedicated columns whose value there is not a scalar get their attribute JSON. */
async function withNonScalarAttributes(connection: DuckDBConnection, from: string, traceIds: string[], rows: SpanRow[], dedicated: readonly string[]) {
  if (dedicated.length === 0) return;
  const values = rows as unknown as Array<Record<string, unknown>>;
  if (!values.some((r) => dedicated.some((c) => typeof r[c] === "string" && (r[c] as string).startsWith("x")))) return;
  const found = (await connection.runAndReadAll(nonScalarSpansSql(from, traceIds, dedicated))).getRowObjectsJS() as Array<{ trace_id: string; span_id: string; attributes: string }>;
  const json = new Map(found.map((f) => [`${f.trace_id}/${f.span_id}`, f.attributes]));
  for (const r of rows) {
    const text = json.get(`${r.trace_id}/${r.span_id}`);
    if (text !== undefined) r.attributes = text;
  }
}

interface Evaluated<T> {
  rows: number;
  /** The oldest trace start among the rows. */
  oldest: bigint;
  result: T;
}

/**
 * Steps 1–3 of the plan: the evaluation of the newest candidate traces when it is provably
 * the answer, undefined when only the plain query can tell. Candidate traces are evaluated
 * in the order of their newest candidate span, `limit` + a few first: a trace left out has
 * every candidate span at or before the first span of the first trace left out (or the k-th
 * candidate), so when `limit` hits all start after that bound, none can outrank them.
 */
async function newestFirst<T>(
  scope: SearchScope,
  ticket: SearchTicket,
  evaluate: (traceIds: string[]) => Promise<Evaluated<T>>,
): Promise<T | undefined> {
  const { limit } = ticket;
  // Every trace handed to `evaluate` so far (each is evaluated once: runSearch).
  const seen = new Set<string>();
  for (let k = Math.max(64, limit * FIRST_K_PER_RESULT); k <= MAX_K; k *= 8) {
    const candidates = await scope.newestCandidates((over) => searchCandidatesSql(ticket, over, k), k);
    // Each trace once, at its newest candidate span (the candidates come newest first).
    const firstAt = new Map<string, number>();
    candidates.forEach(([id], i) => firstAt.has(id) || firstAt.set(id, i));
    const traces = [...firstAt.keys()];
    // Fewer traces than `limit` while candidates remain unseen: no evaluation of these can be
    // the answer (it needs `limit` hits), so k grows before any trace is loaded.
    if (candidates.length === k && traces.length < limit) continue;
    // The traces an earlier round evaluated lead this round's (the same newest candidates):
    // the round starts past them rather than proving again what they could not.
    let lead = 0;
    while (lead < traces.length && seen.has(traces[lead]!)) lead++;
    for (let m = Math.max(limit + SPARE_TRACES, lead); ; ) {
      const all = m >= traces.length;
      const chosen = traces.slice(0, m);
      for (const id of chosen) seen.add(id);
      const evaluated = await evaluate(chosen);
      // Every candidate seen and every trace evaluated: nothing else can match.
      if (all && candidates.length < k) return evaluated.result;
      const bound = all ? candidates[candidates.length - 1]![1] : candidates[firstAt.get(traces[m]!)!]![1];
      if (evaluated.rows === limit && evaluated.oldest > bound) return evaluated.result;
      if (all) break;
      m = nextCount(m, evaluated.rows, limit);
    }
  }
  return undefined;
}

/**
 * How many traces to evaluate after `m` gave `hits` (at most `limit`): enough for `limit` hits
 * at the hit rate seen so far, with a margin, so that a sparse match takes one more statement
 * rather than several ×4 steps; never less than ×4 (as many hits as needed but not yet
 * proven: more traces push the bound down) nor more than ×16 (no hit yet: the rate is unknown).
 */
function nextCount(m: number, hits: number, limit: number): number {
  const wanted = hits === 0 ? Infinity : Math.ceil((m * limit * HIT_RATE_MARGIN) / hits);
  return Math.min(m * MAX_TRACE_GROWTH, Math.max(m * MIN_TRACE_GROWTH, wanted));
}

/** The oldest of some trace starts (0 for none: no hits never make a full answer). */
function oldestOf(starts: ArrayLike<bigint>): bigint {
  let min = starts.length > 0 ? starts[0]! : 0n;
  for (let i = 1; i < starts.length; i++) if (starts[i]! < min) min = starts[i]!;
  return min;
}
