/**
 * Search newest-first with early termination, exact. Tempo's answer is the `limit` newest
 * matching traces; reading every span for it costs a scan of all attribute JSON in range.
 * Instead:
 * 1. take the newest k spans that may belong to a match (searchCandidatesSql, newest file
 *    first: search-scope.ts);
 * 2. evaluate the search fully on just their traces (every span of them, every source);
 * 3. the answer is exact when step 1 saw every candidate span (fewer than k), or when the
 *    `limit` hits all start after the k-th candidate span s_k: a matching trace not among the
 *    candidates has all its candidate spans at or before s_k, so it starts at or before s_k
 *    and cannot outrank them. Otherwise k grows ×8, and at MAX_K the plain query runs.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Table } from "apache-arrow";
import type { SearchTicket } from "../../../shared/query/index.ts";
import { readerToTable } from "./result-to-arrow.ts";
import { searchCandidatesSql, searchIsLean, searchResultSchema, searchSql } from "./search.ts";
import type { SearchScope } from "./search-scope.ts";
import { spanSetsSql, type LeanHit } from "./search-span-sets.ts";

const FIRST_K_PER_RESULT = 4;
const MAX_K = 200_000;

export async function runSearch(connection: DuckDBConnection, ticket: SearchTicket, scope: SearchScope, maxRows: number): Promise<Table> {
  const limit = Math.min(ticket.limit, maxRows);
  const bounded = { ...ticket, limit };
  const { view } = scope;
  if (searchIsLean(bounded)) return runLeanSearch(connection, bounded, scope, maxRows);
  for (let k = Math.max(64, limit * FIRST_K_PER_RESULT); k <= MAX_K; k *= 8) {
    const candidates = await scope.newestCandidates((over) => searchCandidatesSql(bounded, over, k), k);
    const complete = candidates.length < k;
    const traceIds = [...new Set(candidates.map(([id]) => id))];
    const table = await runFull(connection, searchSql(bounded, await scope.narrowTo(traceIds), traceIds), maxRows);
    if (complete) return table;
    const kth = candidates[k - 1]![1];
    if (table.numRows === limit && oldestStart(table) > kth) return table;
  }
  return runFull(connection, searchSql(bounded, view), maxRows);
}

/**
 * The same plan when no predicate needs the attribute JSON: candidates are evaluated on
 * plain columns only, and the JSON is read once at the end for the spans of `span_sets`.
 */
async function runLeanSearch(connection: DuckDBConnection, ticket: SearchTicket, scope: SearchScope, maxRows: number): Promise<Table> {
  const { view } = scope;
  const evaluate = async (traceIds?: string[]) => {
    const over = traceIds === undefined ? view : await scope.narrowTo(traceIds);
    return (await connection.runAndReadAll(searchSql(ticket, over, traceIds, { lean: true }))).getRowObjectsJS() as unknown as LeanHit[];
  };
  let hits: LeanHit[] | undefined;
  for (let k = Math.max(64, ticket.limit * FIRST_K_PER_RESULT); k <= MAX_K && hits === undefined; k *= 8) {
    const candidates = await scope.newestCandidates((over) => searchCandidatesSql(ticket, over, k), k);
    const found = await evaluate([...new Set(candidates.map(([id]) => id))]);
    if (candidates.length < k) hits = found;
    else {
      const kth = candidates[k - 1]![1];
      if (found.length === ticket.limit && found.every((h) => h.start_time_unix_nano > kth)) hits = found;
    }
  }
  hits ??= await evaluate();
  return runFull(connection, spanSetsSql(hits, await scope.narrowTo(hits.map((h) => h.trace_id))), maxRows);
}

async function runFull(connection: DuckDBConnection, sql: string, maxRows: number): Promise<Table> {
  return readerToTable(await connection.runAndReadAll(sql), searchResultSchema, maxRows);
}

function oldestStart(table: Table): bigint {
  const column = table.getChild("start_time_unix_nano")!;
  let min: bigint | undefined;
  for (let i = 0; i < table.numRows; i++) {
    const v = column.get(i) as bigint;
    if (min === undefined || v < min) min = v;
  }
  return min ?? 0n;
}
