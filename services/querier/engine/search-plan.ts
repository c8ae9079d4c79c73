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
 *    outrank them. Otherwise more traces are evaluated (×4), then k grows ×8, and at MAX_K
 *    the plain query runs.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Table } from "apache-arrow";
import type { SearchTicket } from "../../../shared/query/index.ts";
import { readerToTable } from "./result-to-arrow.ts";
import { searchMatchesSchema, withSearchEnvelope } from "./search-envelope.ts";
import { searchCandidatesSql, searchIsLean, searchSql } from "./search.ts";
import type { SearchScope } from "./search-scope.ts";
import { spanSetsSql, type LeanHit } from "./search-span-sets.ts";

const FIRST_K_PER_RESULT = 4;
const MAX_K = 200_000;
/** Traces evaluated first beyond `limit`: a few spare for matches the candidates overstate. */
const SPARE_TRACES = 8;

export async function runSearch(connection: DuckDBConnection, ticket: SearchTicket, scope: SearchScope, maxRows: number): Promise<Table> {
  const limit = Math.min(ticket.limit, maxRows);
  const bounded = { ...ticket, limit };
  // The traces evaluated, for the answer's envelope (search-envelope.ts); undefined once every trace was.
  let evaluated: Set<string> | undefined = new Set();
  const record = (traceIds?: string[]) => {
    if (traceIds === undefined) evaluated = undefined;
    else for (const id of traceIds) evaluated?.add(id);
  };
  const matches = await runMatches(connection, bounded, scope, maxRows, record);
  return withSearchEnvelope(connection, matches, scope, evaluated);
}

async function runMatches(
  connection: DuckDBConnection,
  bounded: SearchTicket,
  scope: SearchScope,
  maxRows: number,
  record: (traceIds?: string[]) => void,
): Promise<Table> {
  if (searchIsLean(bounded)) return runLeanSearch(connection, bounded, scope, maxRows, record);
  const evaluate = async (traceIds?: string[]) => (record(traceIds), runFull(connection, searchSql(bounded, await viewOf(scope, traceIds), traceIds), maxRows));
  const exact = await newestFirst(scope, bounded, async (traceIds) => {
    const table = await evaluate(traceIds);
    return { rows: table.numRows, oldest: oldestOf(table.getChild("start_time_unix_nano")!.toArray() as BigInt64Array), result: table };
  });
  return exact ?? (await evaluate());
}

/**
 * The same plan when no predicate needs the attribute JSON: candidates are evaluated on
 * plain columns only, and the JSON is read once at the end for the spans of `span_sets`.
 */
async function runLeanSearch(
  connection: DuckDBConnection,
  ticket: SearchTicket,
  scope: SearchScope,
  maxRows: number,
  record: (traceIds?: string[]) => void,
): Promise<Table> {
  const evaluate = async (traceIds?: string[]) => {
    record(traceIds);
    const sql = searchSql(ticket, await viewOf(scope, traceIds), traceIds, { lean: true });
    return (await connection.runAndReadAll(sql)).getRowObjectsJS() as unknown as LeanHit[];
  };
  const exact = await newestFirst(scope, ticket, async (traceIds) => {
    const found = await evaluate(traceIds);
    return { rows: found.length, oldest: oldestOf(found.map((h) => h.start_time_unix_nano)), result: found };
  });
  const hits = exact ?? (await evaluate());
  return runFull(connection, spanSetsSql(hits, await scope.narrowTo(hits.map((h) => h.trace_id))), maxRows);
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
  for (let k = Math.max(64, limit * FIRST_K_PER_RESULT); k <= MAX_K; k *= 8) {
    const candidates = await scope.newestCandidates((over) => searchCandidatesSql(ticket, over, k), k);
    // Each trace once, at its newest candidate span (the candidates come newest first).
    const firstAt = new Map<string, number>();
    candidates.forEach(([id], i) => firstAt.has(id) || firstAt.set(id, i));
    const traces = [...firstAt.keys()];
    for (let m = limit + SPARE_TRACES; ; m *= 4) {
      const all = m >= traces.length;
      const evaluated = await evaluate(traces.slice(0, m));
      // Every candidate seen and every trace evaluated: nothing else can match.
      if (all && candidates.length < k) return evaluated.result;
      const bound = all ? candidates[candidates.length - 1]![1] : candidates[firstAt.get(traces[m]!)!]![1];
      if (evaluated.rows === limit && evaluated.oldest > bound) return evaluated.result;
      if (all) break;
    }
  }
  return undefined;
}

async function runFull(connection: DuckDBConnection, sql: string, maxRows: number): Promise<Table> {
  return readerToTable(await connection.runAndReadAll(sql), searchMatchesSchema, maxRows);
}

/** Where to evaluate `traceIds`: a view narrowed to them, or every source (undefined). */
async function viewOf(scope: SearchScope, traceIds: string[] | undefined): Promise<string> {
  return traceIds === undefined ? scope.view : scope.narrowTo(traceIds);
}

/** The oldest of some trace starts (0 for none: no hits never make a full answer). */
function oldestOf(starts: ArrayLike<bigint>): bigint {
  let min = starts.length > 0 ? starts[0]! : 0n;
  for (let i = 1; i < starts.length; i++) if (starts[i]! < min) min = starts[i]!;
  return min;
}
