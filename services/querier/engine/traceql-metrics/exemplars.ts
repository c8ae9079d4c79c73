/**
 * Exemplars of a metrics query without reading every matched span's ids. The slowest span of
 * each series and interval is its candidate; at most `max` candidates are kept, spread evenly
 * over time. The grouping statement keeps, per group, only where that span is (its source
 * view's `_file` and `_row`, source-view.ts `locate`) with its start and value: the trace and
 * span id columns are the widest a metrics query would read, and most candidates are dropped.
 * The ids of the kept ones are then read by location: from their files, only the row groups
 * that hold them.
 */
import type { DuckDBConnection, DuckDBStructValue } from "@duckdb/node-api";
import { quoteIdent, quoteLiteral } from "../../../../shared/duckdb/index.ts";
import type { traceqlMetrics } from "../../../../shared/query/index.ts";
import { LIVE_FILE_PREFIX } from "../live-rows.ts";
import { parquetScan } from "../parquet-scan.ts";

type ExemplarRow = traceqlMetrics.ExemplarRow;

/** An exemplar before its ids are read: where its span is. */
export interface ExemplarCandidate extends Omit<ExemplarRow, "traceId" | "spanId"> {
  file: string;
  row: bigint;
}

/**
 * The aggregate that picks a group's candidate, over rows carrying `_v` (the function's value)
 * and the view's location columns: the slowest span, as its location, start (ms) and value.
 */
export const CANDIDATE_AGGREGATE = `arg_max({'f': _file, 'r': _row, 'ms': start_time_unix_nano // 1000000, 'v': _v}, duration_nano)`;

/** The candidate of one group row from CANDIDATE_AGGREGATE's value. */
export function candidateOf(group: Omit<ExemplarRow, "traceId" | "spanId" | "timeMs" | "value">, aggregate: unknown): ExemplarCandidate {
  const e = (aggregate as DuckDBStructValue).entries;
  return { ...group, file: e.f as string, row: BigInt(e.r as bigint | number), timeMs: Number(e.ms), value: e.v as number | null };
}

/** At most `max` exemplars, evenly spread over the candidates in time order, with their ids. */
export async function pickExemplars(connection: DuckDBConnection, view: string, candidates: ExemplarCandidate[], max: number): Promise<ExemplarRow[]> {
  const picked = spread(candidates, max);
  if (picked.length === 0) return [];
  const byFile = Map.groupBy(picked, (c) => c.file);
  // One branch per file, read straight from it (the view would compare every row's `_file`):
  // `file_row_number IN` reaches the Parquet scan, which skips the row groups that hold none
  // of the rows. Live rows are only in the view.
  const sql = [...byFile]
    .map(([file, rows]) => {
      const list = [...new Set(rows.map((r) => r.row))].join(", ");
      return file.startsWith(LIVE_FILE_PREFIX)
        ? `SELECT _file, _row, trace_id, span_id FROM ${quoteIdent(view)} WHERE _file = ${quoteLiteral(file)} AND _row IN (${list})`
        : `SELECT ${quoteLiteral(file)} AS _file, file_row_number AS _row, trace_id, span_id FROM ${parquetScan([file], { fileRowNumber: true })} WHERE file_row_number IN (${list})`;
    })
    .join(" UNION ALL ");
  const ids = new Map<string, [string, string]>();
  for (const [file, row, traceId, spanId] of (await connection.runAndReadAll(sql)).getRows() as Array<[string, bigint | number, string, string]>) {
    ids.set(locationKey(file, BigInt(row)), [traceId, spanId]);
  }
  const out: ExemplarRow[] = [];
  for (const { file, row, ...c } of picked) {
    const found = ids.get(locationKey(file, row));
    // Files are immutable and live batches are held for the query: a location is always found.
    if (found !== undefined) out.push({ ...c, traceId: found[0], spanId: found[1] });
  }
  return out;
}

const locationKey = (file: string, row: bigint) => `${row}\u0000${file}`;

/** At most `max` of the rows, evenly spread over them in time order. */
function spread<T extends { timeMs: number }>(rows: T[], max: number): T[] {
  if (rows.length <= max) return rows;
  rows.sort((a, b) => a.timeMs - b.timeMs);
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(rows[Math.floor((i * rows.length) / max)]!);
  return out;
}
