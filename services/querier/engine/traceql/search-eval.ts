/**
 * A TraceQL search over the spans of some traces, in JS: the trace tree, spansets through
 * the whole query (spanset-eval.ts), then Tempo's answer rows — newest trace first, each
 * spanset's first `spss` spans by start time carrying only the attributes the query names
 * (its conditions and `select()`), as Tempo returns them.
 */
import { makeData, RecordBatch, Struct, Table } from "apache-arrow";
import { quoteIdent, quoteLiteral } from "../../../../shared/duckdb/index.ts";
import { QueryError, ROOT_SPAN_NOT_YET_RECEIVED, type SearchTicket } from "../../../../shared/query/index.ts";
import { searchMatchesSchema } from "../search-envelope.ts";
import type { FieldExpr, FieldRef, Intrinsic, PipelineStage, ScalarExpr, SpansetExpr } from "../../../../shared/query/traceql/index.ts";
import { int64Data, utf8Data } from "../arrow-columns.ts";
import { lookup } from "./field-eval.ts";
import { evaluateSpansets, type Spanset } from "./spanset-eval.ts";
import { EvalTrace, type EvalSpan, type SpanRow } from "./trace-model.ts";
import { toAnyValue } from "./values.ts";

const SPAN_COLUMNS = [
  "trace_id", "span_id", "parent_span_id", "name", "kind", "status_code", "status_message", "start_time_unix_nano",
  "end_time_unix_nano", "duration_nano", "service_name", "attributes", "resource_attributes", "events", "links",
  "scope_name", "scope_version", "scope_attributes",
];

/** Every span of `traceIds` in `view`, with the legacy conditions as the `_legacy` flag. */
export function traceSpansSql(view: string, traceIds: readonly string[], legacy: readonly string[]): string {
  const ids = traceIds.length ? traceIds.map(quoteLiteral).join(", ") : "NULL";
  const flag = legacy.length ? legacy.join(" AND ") : "TRUE";
  return `SELECT ${SPAN_COLUMNS.join(", ")}, coalesce(${flag}, FALSE) AS _legacy FROM ${quoteIdent(view)} WHERE trace_id IN (${ids})`;
}

/** Intrinsics Tempo leaves out of a span's attributes in results (they have fields of their own). */
const NOT_AN_ATTRIBUTE = new Set<Intrinsic>(["span:name", "span:duration", "trace:duration", "trace:rootService", "trace:rootName", "trace:id", "span:id", "parent"]);
/** Result keys of intrinsics, as Tempo names them. */
const INTRINSIC_KEY: Partial<Record<Intrinsic, string>> = { "span:status": "status", "span:kind": "kind", "span:statusMessage": "statusMessage" };

export interface SearchHit {
  traceId: string;
  rootServiceName: string;
  rootTraceName: string;
  start: bigint;
  duration: bigint;
  spanSets: string;
}

export class SearchEvaluation {
  /** The attributes result spans carry: every field the query names. */
  private readonly shown: FieldRef[];

  constructor(
    private readonly expr: SpansetExpr,
    private readonly ticket: SearchTicket,
    private readonly legacy: boolean,
  ) {
    const refs = new Map<string, FieldRef>();
    collectRefs(expr, (r) => refs.set(refKey(r), r));
    this.shown = [...refs.values()].filter((r) => r.type === "attribute" || !NOT_AN_ATTRIBUTE.has(r.name));
  }

  /** The hits among these rows' traces (rows: every span of each trace), newest first. */
  evaluate(rows: SpanRow[]): SearchHit[] {
    const byTrace = Map.groupBy(rows, (r) => r.trace_id);
    const hits: SearchHit[] = [];
    const { startNs, endNs } = this.ticket;
    for (const [traceId, spans] of byTrace) {
      const trace = new EvalTrace(traceId, spans);
      if (endNs !== undefined && trace.start > BigInt(endNs)) continue;
      if (startNs !== undefined && trace.end < BigInt(startNs)) continue;
      const sets = evaluateSpansets(this.expr, [{ spans: trace.spans, attributes: [] }], this.legacy).filter((s) => s.spans.length > 0);
      if (sets.length === 0) continue;
      hits.push({
        traceId,
        rootServiceName: trace.root ? (trace.root.row.service_name ?? "") : ROOT_SPAN_NOT_YET_RECEIVED,
        rootTraceName: trace.root ? trace.root.row.name : "",
        start: trace.start,
        duration: trace.end - trace.start,
        spanSets: JSON.stringify(sets.map((s) => this.spanSetJson(s))),
      });
    }
    return hits.sort((a, b) => (a.start < b.start ? 1 : a.start > b.start ? -1 : a.traceId < b.traceId ? -1 : 1)).slice(0, this.ticket.limit);
  }

  private spanSetJson(set: Spanset): unknown {
    const ordered = [...set.spans].sort((a, b) =>
      a.row.start_time_unix_nano < b.row.start_time_unix_nano ? -1 : a.row.start_time_unix_nano > b.row.start_time_unix_nano ? 1 : a.id < b.id ? -1 : 1,
    );
    const spans = ordered.slice(0, this.ticket.spss).map((s) => ({
      spanID: s.id,
      name: s.row.name,
      startTimeUnixNano: s.row.start_time_unix_nano.toString(),
      durationNanos: s.row.duration_nano.toString(),
      attributes: this.attributesOf(s),
    }));
    const attributes = set.attributes.filter(([, v]) => v !== null).map(([key, v]) => ({ key, value: toAnyValue(v!) }));
    return { spans, matched: set.spans.length, ...(attributes.length ? { attributes } : {}) };
  }

  private attributesOf(span: EvalSpan): unknown[] {
    const out: Array<{ key: string; value: unknown }> = [];
    const seen = new Set<string>();
    for (const ref of this.shown) {
      const key = ref.type === "attribute" ? ref.name : (INTRINSIC_KEY[ref.name] ?? ref.name);
      if (seen.has(key)) continue;
      const raw = ref.type === "attribute" ? rawAttribute(ref, span) : undefined;
      if (raw !== undefined) {
        out.push({ key, value: raw });
        seen.add(key);
        continue;
      }
      const v = lookup(ref, span);
      if (v === null || ref.type === "attribute") continue;
      out.push({ key, value: v.t === "multi" ? toAnyValue(v.v[0]!) : toAnyValue(v) });
      seen.add(key);
    }
    return out;
  }
}

/** The attribute as stored (exact OTLP JSON, arrays included), span before resource for `.x`. */
function rawAttribute(ref: Extract<FieldRef, { type: "attribute" }>, span: EvalSpan): unknown {
  const maps =
    ref.scope === "span" ? [span.attributes]
    : ref.scope === "resource" ? [span.resourceAttributes]
    : ref.scope === "instrumentation" ? [span.scopeAttributes]
    : ref.scope === "event" ? span.events.map((e) => e.attributes)
    : ref.scope === "link" ? span.links.map((l) => l.attributes)
    : [span.attributes, span.resourceAttributes];
  for (const m of maps) if (m.has(ref.name)) return m.get(ref.name);
  return undefined;
}

function refKey(r: FieldRef): string {
  return r.type === "intrinsic" ? `i:${r.name}` : `a:${r.scope}:${r.name}`;
}

function collectRefs(e: SpansetExpr | PipelineStage, add: (r: FieldRef) => void): void {
  const field = (f: FieldExpr | null): void => {
    if (f === null) return;
    if (f.type === "attribute" || f.type === "intrinsic") add(f);
    else if (f.type === "binary") (field(f.left), field(f.right));
    else if (f.type === "unary") field(f.operand);
  };
  const scalar = (s: ScalarExpr): void => {
    if (s.type === "aggregate") field(s.field);
    else if (s.type === "scalar_op") (scalar(s.left), scalar(s.right));
  };
  switch (e.type) {
    case "filter":
      return field(e.expr);
    case "spanset_op":
      return (collectRefs(e.left, add), collectRefs(e.right, add));
    case "pipeline":
      return e.stages.forEach((s) => collectRefs(s, add));
    case "by":
      return field(e.field);
    case "select":
      return e.fields.forEach(add);
    case "scalar_filter":
      return (scalar(e.left), scalar(e.right));
    case "coalesce":
      return;
  }
}

/** The hits as a search result table (searchMatchesSchema: search-envelope.ts adds its column after). */
export function hitsTable(hits: readonly SearchHit[]): Table {
  const children = [
    utf8Data(hits.map((h) => h.traceId)),
    utf8Data(hits.map((h) => h.rootServiceName)),
    utf8Data(hits.map((h) => h.rootTraceName)),
    int64Data(hits.map((h) => h.start)),
    int64Data(hits.map((h) => h.duration)),
    utf8Data(hits.map((h) => h.spanSets)),
  ];
  const data = makeData({ type: new Struct(searchMatchesSchema.fields), length: hits.length, nullCount: 0, children });
  return new Table([new RecordBatch(searchMatchesSchema, data)]);
}

/** A search would load more spans than the evaluator may hold. */
export function tooManySpans(limit: number): QueryError {
  return new QueryError(
    "RESOURCE_EXHAUSTED",
    `TraceQL search: the matching traces hold more than ${limit} spans to evaluate; narrow the time range or the query's conditions`,
  );
}
