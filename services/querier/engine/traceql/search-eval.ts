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
import { DEDICATED_SPAN_ATTRIBUTES } from "../../../../shared/tables/index.ts";
import { int64Data, utf8Data } from "../arrow-columns.ts";
import { lookup } from "./field-eval.ts";
import { legacyMatches, legacySpanAttributeKeys } from "./legacy-search.ts";
import { evaluateSpansets, type Spanset } from "./spanset-eval.ts";
import { EvalTrace, type EvalSpan, type SpanRow } from "./trace-model.ts";
import { toAnyValue } from "./values.ts";

const PLAIN_COLUMNS = [
  "trace_id", "span_id", "parent_span_id", "name", "kind", "status_code", "status_message", "start_time_unix_nano",
  "end_time_unix_nano", "duration_nano", "service_name", "scope_name", "scope_version",
];
/**
 * Plain columns that only an intrinsic reads: left out (NULL) unless the query names it. Each
 * column read costs a page decode per row group a candidate trace sits in.
 */
type IntrinsicColumn = "kind" | "status_message" | "scope_name" | "scope_version";
const INTRINSIC_COLUMNS: Partial<Record<Intrinsic, IntrinsicColumn>> = {
  "span:kind": "kind", "span:statusMessage": "status_message", "instrumentation:name": "scope_name", "instrumentation:version": "scope_version",
};
const INTRINSIC_COLUMN_TYPES: Record<IntrinsicColumn, string> = { kind: "INTEGER", status_message: "VARCHAR", scope_name: "VARCHAR", scope_version: "VARCHAR" };
/** The JSON columns, read only when the query names a field that lives there (most of a span's bytes). */
export type JsonColumn = "attributes" | "resource_attributes" | "events" | "links" | "scope_attributes";
const JSON_COLUMNS: readonly JsonColumn[] = ["attributes", "resource_attributes", "events", "links", "scope_attributes"];

/** What the evaluation reads of each span beyond the plain columns. */
export interface SpanColumns {
  json: ReadonlySet<JsonColumn>;
  /**
   * Dedicated columns read instead of the span attribute JSON when every span attribute the
   * query names has one (trace-model.ts rebuilds the attributes from them); empty otherwise.
   */
  dedicated: readonly string[];
  /** The intrinsic-only plain columns to read (INTRINSIC_COLUMNS); absent: all of them. */
  intrinsics?: ReadonlySet<IntrinsicColumn>;
}

const ids = (traceIds: readonly string[]) => (traceIds.length ? traceIds.map(quoteLiteral).join(", ") : "NULL");

/** Every span of `traceIds` in `view`, with the legacy conditions as the `_legacy` flag. */
export function traceSpansSql(view: string, traceIds: readonly string[], legacy: readonly string[], read: SpanColumns): string {
  return traceSpansFromSql(quoteIdent(view), traceIds, legacy, read);
}

/** traceSpansSql over a relation (SQL after FROM: a quoted view name, an aliased subquery). */
export function traceSpansFromSql(from: string, traceIds: readonly string[], legacy: readonly string[], read: SpanColumns): string {
  const flag = legacy.length ? legacy.join(" AND ") : "TRUE";
  const plain = PLAIN_COLUMNS.map((c) =>
    !Object.hasOwn(INTRINSIC_COLUMN_TYPES, c) || read.intrinsics === undefined || read.intrinsics.has(c as IntrinsicColumn)
      ? c
      : `CAST(NULL AS ${INTRINSIC_COLUMN_TYPES[c as IntrinsicColumn]}) AS ${c}`,
  );
  const columns = [
    ...plain,
    ...JSON_COLUMNS.map((c) => (read.json.has(c) ? c : `CAST(NULL AS VARCHAR) AS ${c}`)),
    ...read.dedicated.map(quoteIdent),
  ];
  return `SELECT ${columns.join(", ")}, coalesce(${flag}, FALSE) AS _legacy FROM ${from} WHERE trace_id IN (${ids(traceIds)})`;
}

/**
 * The attribute JSON of the spans of relation `from` (SQL after FROM) whose dedicated value is not a scalar (letter x: an array,
 * a kvlist): the dedicated columns cannot rebuild those, and they are rare.
 */
export function nonScalarSpansSql(from: string, traceIds: readonly string[], dedicated: readonly string[]): string {
  const any = dedicated.map((c) => `starts_with(${quoteIdent(c)}, 'x')`).join(" OR ");
  return `SELECT trace_id, span_id, attributes FROM ${from} WHERE trace_id IN (${ids(traceIds)}) AND (${any})`;
}

/**
 * The search without q reads resource attributes and span attributes by the tags' keys: the
 * span attributes from their dedicated columns when every key read there has one (the JSON is
 * most of a span's bytes), else from the JSON.
 */
function legacyColumns(ticket: SearchTicket, read: SpanColumns): SpanColumns {
  const dedicated = dedicatedColumnsOf(new Set(legacySpanAttributeKeys(ticket)));
  const json = new Set<JsonColumn>([...read.json, "resource_attributes", ...(dedicated ? [] : (["attributes"] as const))]);
  return { json, dedicated: dedicated ?? [], intrinsics: read.intrinsics };
}

/** The dedicated columns of span attribute keys `keys`, or null when one of them has none. */
function dedicatedColumnsOf(keys: ReadonlySet<string>): string[] | null {
  const columns: string[] = [];
  for (const key of keys) {
    if (!Object.hasOwn(DEDICATED_SPAN_ATTRIBUTES, key)) return null;
    columns.push(DEDICATED_SPAN_ATTRIBUTES[key]!);
  }
  return columns;
}

/** Which columns hold the fields a query names (`service.name` has a column of its own). */
function columnsOf(refs: readonly FieldRef[]): SpanColumns {
  const out = new Set<JsonColumn>();
  const intrinsics = new Set<IntrinsicColumn>();
  const spanKeys = new Set<string>();
  for (const r of refs) {
    if (r.type === "attribute" && (r.scope === "span" || r.scope === "unscoped")) spanKeys.add(r.name);
  }
  const dedicated = spanKeys.size > 0 ? dedicatedColumnsOf(spanKeys) : null;
  const useDedicated = dedicated !== null;
  for (const r of refs) {
    if (r.type === "intrinsic") {
      const column = INTRINSIC_COLUMNS[r.name];
      if (column !== undefined) intrinsics.add(column);
      if (r.name.startsWith("event:")) out.add("events");
      if (r.name.startsWith("link:")) out.add("links");
      continue;
    }
    if ((r.scope === "span" || r.scope === "unscoped") && !useDedicated) out.add("attributes");
    if ((r.scope === "resource" || r.scope === "unscoped") && r.name !== "service.name") out.add("resource_attributes");
    if (r.scope === "unscoped" && r.name === "service.name") out.add("resource_attributes");
    if (r.scope === "event") out.add("events");
    if (r.scope === "link") out.add("links");
    if (r.scope === "instrumentation") out.add("scope_attributes");
  }
  return { json: out, dedicated: dedicated ?? [], intrinsics };
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
  /** The columns the evaluation reads beyond the plain ones. */
  readonly columns: SpanColumns;

  constructor(
    private readonly expr: SpansetExpr,
    private readonly ticket: SearchTicket,
    /** perSpan: the `_legacy` flag narrows every filter; legacy: Tempo's search without q (legacy-search.ts). */
    private readonly mode: { perSpan: boolean; legacy: boolean },
  ) {
    const refs = new Map<string, FieldRef>();
    collectRefs(expr, (r) => refs.set(refKey(r), r));
    this.shown = [...refs.values()].filter((r) => r.type === "attribute" || !NOT_AN_ATTRIBUTE.has(r.name));
    const read = columnsOf([...refs.values()]);
    this.columns = mode.legacy && Object.keys(ticket.tags ?? {}).length > 0 ? legacyColumns(ticket, read) : read;
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
      let sets: Spanset[] = [];
      if (this.mode.legacy) {
        if (!legacyMatches(this.ticket, trace)) continue;
      } else {
        sets = evaluateSpansets(this.expr, [{ spans: trace.spans, attributes: [] }], this.mode.perSpan).filter((s) => s.spans.length > 0);
        if (sets.length === 0) continue;
      }
      hits.push({
        traceId,
        rootServiceName: trace.root ? (trace.root.row.service_name ?? "") : ROOT_SPAN_NOT_YET_RECEIVED,
        rootTraceName: trace.root ? trace.root.row.name : "",
        start: trace.start,
        duration: trace.end - trace.start,
        // Tempo's search without q answers no span sets.
        spanSets: this.mode.legacy ? "" : JSON.stringify(sets.map((s) => this.spanSetJson(s))),
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
