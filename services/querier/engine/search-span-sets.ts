/**
 * Second half of a lean search (search.ts `searchIsLean`): the hits were evaluated without the
 * attribute JSON; this statement reads the JSON of only the spans that go into `span_sets`
 * (at most spss × limit) and builds the final rows, byte for byte as the full search does.
 * The spans are fetched by location (source-view.ts `locate`: file + row number): `_row IN (...)`
 * reaches the Parquet scan, which decompresses only the pages holding them — the hits' spans
 * sit in every row group of the newest files (ids are random), and reading the attribute
 * JSON of whole row groups is most of a search's time. The semi-join on location and
 * (trace_id, span_id, start) keeps exactly the chosen rows.
 */
import { quoteIdent, quoteLiteral } from "../../../shared/duckdb/index.ts";
import { ROOT_SPAN_NOT_YET_RECEIVED } from "../../../shared/query/index.ts";
import { LIVE_FILE_PREFIX } from "./live-rows.ts";
import { bigintSql } from "./traceql-sql.ts";

/** One row of the lean search (column names as `searchSql(..., { lean: true })` returns them). */
export interface LeanHit {
  trace_id: string;
  root_service_name: string;
  root_trace_name: string;
  start_time_unix_nano: bigint;
  duration_nano: bigint;
  matched: bigint;
  span_ids: string[];
  span_starts: bigint[];
  /** Location of each span (source-view.ts `locate`). */
  span_files: string[];
  span_rows: bigint[];
}

const EMPTY_RESULT =
  `SELECT CAST(NULL AS VARCHAR) AS trace_id, CAST(NULL AS VARCHAR) AS root_service_name, ` +
  `CAST(NULL AS VARCHAR) AS root_trace_name, CAST(NULL AS BIGINT) AS start_time_unix_nano, ` +
  `CAST(NULL AS BIGINT) AS duration_nano, CAST(NULL AS VARCHAR) AS span_sets WHERE FALSE`;

/** The search result (searchResultSchema columns, newest first) for the lean hits. */
export function spanSetsSql(hits: readonly LeanHit[], view: string): string {
  const picked = hits.flatMap((h) =>
    h.span_ids.map((id, i) => ({ trace: h.trace_id, id, start: h.span_starts[i]!, file: h.span_files[i]!, row: h.span_rows[i]! })),
  );
  if (hits.length === 0 || picked.length === 0) return hits.length === 0 ? EMPTY_RESULT : missingSpans();
  const hitRows = hits.map(
    (h) =>
      `(${quoteLiteral(h.trace_id)}, ${quoteLiteral(h.root_service_name)}, ${quoteLiteral(h.root_trace_name)}, ` +
      `${bigintSql(h.start_time_unix_nano)}, ${bigintSql(h.duration_nano)}, ${bigintSql(h.matched)})`,
  );
  const pickedRows = picked.map(
    (p) => `(${quoteLiteral(p.trace)}, ${quoteLiteral(p.id)}, ${bigintSql(p.start)}, ${quoteLiteral(p.file)}, ${bigintSql(p.row)})`,
  );
  // One scan per Parquet file: a file equality prunes the other files and the row list is
  // pushed into that file's scan alone. The live rows are one in-memory scan, whatever batches
  // they sit in: a scan per batch would read every live row again for each.
  const byFile = Map.groupBy(picked, (p) => (p.file.startsWith(LIVE_FILE_PREFIX) ? LIVE_FILE_PREFIX : p.file));
  const scans = [...byFile].map(([file, ps]) => {
    const files = file === LIVE_FILE_PREFIX ? [...new Set(ps.map((p) => p.file))] : [file];
    return (
      `SELECT trace_id, span_id, name, start_time_unix_nano, duration_nano, attributes, _file, _row FROM ${quoteIdent(view)} ` +
      `WHERE _file IN (${files.map(quoteLiteral).join(", ")}) AND _row IN (${ps.map((p) => bigintSql(p.row)).join(", ")})`
    );
  });
  const spanJson =
    "json_object('spanID', span_id, 'name', name, " +
    "'startTimeUnixNano', CAST(start_time_unix_nano AS VARCHAR), 'durationNanos', CAST(duration_nano AS VARCHAR), " +
    "'attributes', CAST(coalesce(NULLIF(attributes, ''), '[]') AS JSON))";
  return `
WITH hits(trace_id, root_service_name, root_trace_name, _start, _duration, _matched) AS (VALUES ${hitRows.join(", ")}),
picked(trace_id, span_id, start_time_unix_nano, _file, _row) AS (VALUES ${pickedRows.join(", ")}),
located AS (${scans.join(" UNION ALL ")}),
spans AS (
  SELECT trace_id, span_id, name, start_time_unix_nano, duration_nano, attributes FROM located
  WHERE (_file, _row, trace_id, span_id, start_time_unix_nano) IN (SELECT _file, _row, trace_id, span_id, start_time_unix_nano FROM picked)
),
sets AS (
  SELECT trace_id, to_json(list(${spanJson} ORDER BY start_time_unix_nano, span_id)) AS _spans FROM spans GROUP BY trace_id
)
SELECT h.trace_id, coalesce(h.root_service_name, ${quoteLiteral(ROOT_SPAN_NOT_YET_RECEIVED)}) AS root_service_name,
       h.root_trace_name, h._start AS start_time_unix_nano, h._duration AS duration_nano,
       CAST(json_array(json_object('spans', coalesce(s._spans, '[]'), 'matched', h._matched)) AS VARCHAR) AS span_sets
FROM hits h LEFT JOIN sets s USING (trace_id)
ORDER BY start_time_unix_nano DESC, trace_id`;
}

function missingSpans(): never {
  throw new Error("lean search hit without chosen spans (every hit has at least one matching span)");
}
