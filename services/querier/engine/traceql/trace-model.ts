/**
 * The spans of one trace as the TraceQL evaluator sees them: plain columns, attribute maps
 * parsed on first use (most spans of a candidate trace are never asked for one), and the
 * trace's tree (parent, children, nested-set numbers) for structural operators.
 */
import { KIND_KEYWORDS, STATUS_KEYWORDS, type KindKeyword, type StatusKeyword } from "../../../../shared/query/traceql/index.ts";

/** One row of `traceSpansSql`. */
export interface SpanRow {
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  name: string;
  kind: number;
  status_code: number;
  status_message: string | null;
  start_time_unix_nano: bigint;
  end_time_unix_nano: bigint;
  duration_nano: bigint;
  service_name: string | null;
  attributes: string | null;
  resource_attributes: string | null;
  events: string | null;
  links: string | null;
  scope_name: string | null;
  scope_version: string | null;
  scope_attributes: string | null;
  /** The legacy search conditions (tags, min/max duration) hold for this span. */
  _legacy: boolean;
}

export type AttributeMap = Map<string, unknown>;

export interface SpanEvent {
  name: string;
  timeUnixNano: bigint;
  attributes: AttributeMap;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  attributes: AttributeMap;
}

export class EvalSpan {
  parent: EvalSpan | null = null;
  children: EvalSpan[] = [];
  nestedSetLeft = 0;
  nestedSetRight = 0;
  private attrs?: AttributeMap;
  private resource?: AttributeMap;
  private scope?: AttributeMap;
  private eventList?: SpanEvent[];
  private linkList?: SpanLink[];

  constructor(
    readonly row: SpanRow,
    readonly trace: EvalTrace,
  ) {}

  get id(): string {
    return this.row.span_id;
  }
  get status(): StatusKeyword {
    return STATUS_KEYWORDS[[2, 0, 1][this.row.status_code] ?? 2]!;
  }
  get kind(): KindKeyword {
    return KIND_KEYWORDS[this.row.kind] ?? "unspecified";
  }
  get attributes(): AttributeMap {
    return (this.attrs ??= attributeMap(this.row.attributes));
  }
  get resourceAttributes(): AttributeMap {
    if (this.resource === undefined) {
      this.resource = attributeMap(this.row.resource_attributes);
      // service.name lives in its own column too (the acceptor fills it from the resource).
      if (!this.resource.has("service.name") && this.row.service_name) this.resource.set("service.name", { stringValue: this.row.service_name });
    }
    return this.resource;
  }
  get scopeAttributes(): AttributeMap {
    return (this.scope ??= attributeMap(this.row.scope_attributes));
  }
  get events(): SpanEvent[] {
    return (this.eventList ??= jsonList(this.row.events).map((e) => ({
      name: String(e.name ?? ""),
      timeUnixNano: BigInt((e.timeUnixNano as string | undefined) ?? 0),
      attributes: kvMap(e.attributes),
    })));
  }
  get links(): SpanLink[] {
    return (this.linkList ??= jsonList(this.row.links).map((l) => ({
      traceId: String(l.traceId ?? ""),
      spanId: String(l.spanId ?? ""),
      attributes: kvMap(l.attributes),
    })));
  }
}

// status_code 0 unset, 1 ok, 2 error → STATUS_KEYWORDS order ok, error, unset.
export class EvalTrace {
  readonly spans: EvalSpan[];
  readonly root: EvalSpan | null;
  readonly start: bigint;
  readonly end: bigint;

  constructor(
    readonly id: string,
    rows: SpanRow[],
  ) {
    this.spans = rows.map((r) => new EvalSpan(r, this));
    const byId = new Map(this.spans.map((s) => [s.id, s]));
    let root: EvalSpan | null = null;
    let start = rows[0]!.start_time_unix_nano;
    let end = rows[0]!.end_time_unix_nano;
    for (const s of this.spans) {
      if (s.row.start_time_unix_nano < start) start = s.row.start_time_unix_nano;
      if (s.row.end_time_unix_nano > end) end = s.row.end_time_unix_nano;
      const parent = s.row.parent_span_id === "" ? undefined : byId.get(s.row.parent_span_id);
      if (parent !== undefined && parent !== s) {
        s.parent = parent;
        parent.children.push(s);
      }
      if (s.row.parent_span_id === "" && (root === null || s.row.start_time_unix_nano < root.row.start_time_unix_nano)) root = s;
    }
    this.root = root;
    this.start = start;
    this.end = end;
    numberNestedSets(this.spans);
  }
}

/** Tempo's nested-set numbering (left/right per span, depth first from each root). */
function numberNestedSets(spans: EvalSpan[]): void {
  let counter = 1;
  const visit = (s: EvalSpan) => {
    const stack: Array<[EvalSpan, number]> = [[s, 0]];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [span, next] = top;
      if (next === 0) span.nestedSetLeft = counter++;
      if (next < span.children.length) {
        top[1]++;
        stack.push([span.children[next]!, 0]);
      } else {
        span.nestedSetRight = counter++;
        stack.pop();
      }
    }
  };
  for (const s of spans) if (s.parent === null) visit(s);
}

function jsonList(text: string | null): Record<string, unknown>[] {
  if (!text) return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? (v as Record<string, unknown>[]) : [];
  } catch {
    return [];
  }
}

function attributeMap(text: string | null): AttributeMap {
  return kvMap(jsonList(text));
}

function kvMap(list: unknown): AttributeMap {
  const map: AttributeMap = new Map();
  if (Array.isArray(list)) for (const kv of list as Array<{ key?: unknown; value?: unknown }>) if (typeof kv?.key === "string") map.set(kv.key, kv.value);
  return map;
}
