/**
 * What Tempo's search answer carries besides the matches (the envelope): `serviceStats` per
 * trace (spans and error spans of each service, over every span of the trace) and the
 * `inspected*` metrics. The search's own SQL finds the matches (search.ts, search-plan.ts);
 * this adds the envelope from one more statement over the traces the search evaluated:
 * - `service_stats` column: JSON `{ "<service>": { spanCount, errorCount? } }` (Tempo's JSON
 *   leaves a zero errorCount out);
 * - schema metadata (results.ts SEARCH_METADATA): `inspected_traces` (traces evaluated),
 *   `inspected_spans` (their spans), `inspected_bytes` (the Parquet files the search opened,
 *   whole, plus the live rows' Arrow bytes — what it read, not what it was allowed to).
 */
import { statSync } from "node:fs";
import type { DuckDBConnection } from "@duckdb/node-api";
import { makeData, RecordBatch, Schema, Struct, Table } from "apache-arrow";
import { quoteIdent, quoteLiteral } from "../../../shared/duckdb/index.ts";
import { SEARCH_COLUMNS, SEARCH_METADATA, searchResultSchema } from "../../../shared/query/index.ts";
import { utf8Data } from "./arrow-columns.ts";
import type { SearchScope } from "./search-scope.ts";

/** The columns the search's SQL answers (searchResultSchema before the envelope's column). */
export const searchMatchesSchema = new Schema(searchResultSchema.fields.filter((f) => f.name !== SEARCH_COLUMNS.serviceStats));

/** OTLP's STATUS_CODE_ERROR. */
const STATUS_ERROR = 2;

/** Sizes of the files a search opened (each once), plus its live rows. */
export class ReadFiles {
  private readonly files = new Map<string, number>();
  constructor(private readonly liveBytes: number) {}

  add(paths: Iterable<string>): void {
    for (const path of paths) if (!this.files.has(path)) this.files.set(path, sizeOf(path));
  }

  bytes(): number {
    let sum = this.liveBytes;
    for (const size of this.files.values()) sum += size;
    return sum;
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    // Gone since it was listed (compacted, cache evicted): it was not read either.
    return 0;
  }
}

/**
 * `result` (the search's rows, searchResultSchema without service_stats) with the envelope.
 * `evaluated`: the trace ids the search evaluated; undefined when it evaluated every trace.
 */
export async function withSearchEnvelope(
  connection: DuckDBConnection,
  result: Table,
  scope: SearchScope,
  evaluated: ReadonlySet<string> | undefined,
): Promise<Table> {
  const hits = (result.getChild(SEARCH_COLUMNS.traceId)?.toArray() ?? []) as string[];
  const ids = evaluated === undefined ? undefined : [...new Set([...evaluated, ...hits])];
  if (evaluated === undefined) scope.readEverySource();
  const view = ids === undefined ? scope.view : await scope.narrowTo(ids);
  const where = ids === undefined ? "" : `WHERE trace_id IN (${ids.length ? ids.map(quoteLiteral).join(", ") : "NULL"})`;
  const hitSet = new Set(hits);
  const rows = (
    await connection.runAndReadAll(
      `SELECT trace_id, service_name, count(*) AS spans, count(*) FILTER (WHERE status_code = ${STATUS_ERROR}) AS errors ` +
        `FROM ${quoteIdent(view)} ${where} GROUP BY trace_id, service_name`,
    )
  ).getRows() as Array<[string, string | null, bigint, bigint]>;
  const stats = new Map<string, Record<string, { spanCount: number; errorCount?: number }>>();
  const traces = new Set<string>();
  let spans = 0n;
  for (const [traceId, service, spanCount, errors] of rows) {
    traces.add(traceId);
    spans += spanCount;
    if (!hitSet.has(traceId)) continue;
    const byService = stats.get(traceId) ?? {};
    byService[service ?? ""] = { spanCount: Number(spanCount), ...(errors > 0n ? { errorCount: Number(errors) } : {}) };
    stats.set(traceId, byService);
  }
  const statsJson = hits.map((id) => JSON.stringify(stats.get(id) ?? {}));
  const matches = searchMatchesSchema.fields.map((f) => {
    const chunks = result.getChild(f.name)?.data ?? [];
    if (chunks.length !== 1) throw new Error(`search result column ${f.name} has ${chunks.length} chunks, expected 1`);
    return chunks[0]!;
  });
  const metadata = new Map([
    [SEARCH_METADATA.inspectedTraces, String(traces.size)],
    [SEARCH_METADATA.inspectedSpans, spans.toString()],
    [SEARCH_METADATA.inspectedBytes, String(scope.inspectedBytes())],
  ]);
  const schema = new Schema(searchResultSchema.fields, metadata);
  const struct = makeData({ type: new Struct(schema.fields), length: result.numRows, nullCount: 0, children: [...matches, utf8Data(statsJson)] });
  return new Table([new RecordBatch(schema, struct)]);
}
