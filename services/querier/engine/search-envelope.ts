/**
 * What Tempo's search answer carries besides the matches (the envelope): `serviceStats` per
 * trace (spans and error spans of each service, over every span of the trace) and the
 * `inspected*` metrics. The search finds the matches (search-plan.ts, traceql/); this adds
 * the envelope from the spans of every trace it evaluated (it loads them all anyway):
 * - `service_stats` column: JSON `{ "<service>": { spanCount, errorCount? } }` (Tempo's JSON
 *   leaves a zero errorCount out);
 * - schema metadata (results.ts SEARCH_METADATA): `inspected_traces` (traces evaluated),
 *   `inspected_spans` (their spans), `inspected_bytes` (the Parquet files the search opened,
 *   whole, plus the live rows' Arrow bytes — what it read, not what it was allowed to).
 */
import { statSync } from "node:fs";
import { makeData, RecordBatch, Schema, Struct, Table } from "apache-arrow";
import { SEARCH_COLUMNS, SEARCH_METADATA, searchResultSchema } from "../../../shared/query/index.ts";
import { utf8Data } from "./arrow-columns.ts";
import type { SearchScope } from "./search-scope.ts";

/** The columns the search's evaluation answers (searchResultSchema before the envelope's column). */
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

/** Per trace evaluated: spans and error spans of each service (every span of the trace). */
export class EvaluatedTraces {
  private readonly traces = new Map<string, Map<string, { spans: number; errors: number }>>();

  /** `rows`: every span of some traces (a trace evaluated again replaces its counts). */
  add(rows: readonly { trace_id: string; service_name: string | null; status_code: number }[]): void {
    const counted = new Map<string, Map<string, { spans: number; errors: number }>>();
    for (const row of rows) {
      let services = counted.get(row.trace_id);
      if (!services) counted.set(row.trace_id, (services = new Map()));
      const service = row.service_name ?? "";
      const stats = services.get(service) ?? { spans: 0, errors: 0 };
      stats.spans++;
      if (Number(row.status_code) === STATUS_ERROR) stats.errors++;
      services.set(service, stats);
    }
    for (const [traceId, services] of counted) this.traces.set(traceId, services);
  }

  get traceCount(): number {
    return this.traces.size;
  }

  get spanCount(): number {
    let n = 0;
    for (const services of this.traces.values()) for (const s of services.values()) n += s.spans;
    return n;
  }

  /** Tempo's serviceStats JSON of one trace (`{}` when it was not evaluated). */
  serviceStatsJson(traceId: string): string {
    const out: Record<string, { spanCount: number; errorCount?: number }> = {};
    for (const [service, s] of this.traces.get(traceId) ?? []) out[service] = { spanCount: s.spans, ...(s.errors > 0 ? { errorCount: s.errors } : {}) };
    return JSON.stringify(out);
  }
}

/** `matches` (the search's hits, searchMatchesSchema) with the envelope: the service_stats column and the inspected figures. */
export function withSearchEnvelope(matches: Table, evaluated: EvaluatedTraces, scope: Pick<SearchScope, "inspectedBytes">): Table {
  const hits = (matches.getChild(SEARCH_COLUMNS.traceId)?.toArray() ?? []) as string[];
  const columns = searchMatchesSchema.fields.map((f) => {
    const chunks = matches.getChild(f.name)?.data ?? [];
    if (chunks.length !== 1) throw new Error(`search result column ${f.name} has ${chunks.length} chunks, expected 1`);
    return chunks[0]!;
  });
  const metadata = new Map([
    [SEARCH_METADATA.inspectedTraces, String(evaluated.traceCount)],
    [SEARCH_METADATA.inspectedSpans, String(evaluated.spanCount)],
    [SEARCH_METADATA.inspectedBytes, String(scope.inspectedBytes())],
  ]);
  const schema = new Schema(searchResultSchema.fields, metadata);
  const children = [...columns, utf8Data(hits.map((id) => evaluated.serviceStatsJson(id)))];
  const struct = makeData({ type: new Struct(schema.fields), length: matches.numRows, nullCount: 0, children });
  return new Table([new RecordBatch(schema, struct)]);
}
