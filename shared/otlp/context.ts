/**
 * The resource and instrumentation-scope part of every row: decoded once per
 * ResourceX / ScopeX message, kept as UTF-8 bytes, and copied onto each of its rows.
 */
import { KeyValueListText } from "./anyvalue-json.ts";
import { int32CountProblem } from "./limits.ts";
import { WIRE_LEN, WIRE_VARINT, type WireReader } from "./wire-reader.ts";

export interface ResourceContext {
  attributes: Uint8Array;
  droppedAttributesCount: number;
  schemaUrl: Uint8Array;
  serviceName: Uint8Array;
}

export interface ScopeContext {
  name: Uint8Array;
  version: Uint8Array;
  attributes: Uint8Array;
  droppedAttributesCount: number;
  schemaUrl: Uint8Array;
}

const encoder = new TextEncoder();
const NO_BYTES = new Uint8Array(0);
const EMPTY_LIST = encoder.encode("[]");

export const EMPTY_RESOURCE: ResourceContext = { attributes: EMPTY_LIST, droppedAttributesCount: 0, schemaUrl: NO_BYTES, serviceName: NO_BYTES };

export const EMPTY_SCOPE: ScopeContext = { name: NO_BYTES, version: NO_BYTES, attributes: EMPTY_LIST, droppedAttributesCount: 0, schemaUrl: NO_BYTES };

/** Why the resource or scope makes its items unstorable (counts beyond their Int32 columns), or undefined. */
export function contextProblem(res: ResourceContext, scope: ScopeContext): string | undefined {
  return (
    int32CountProblem("resource dropped_attributes_count", res.droppedAttributesCount) ??
    int32CountProblem("scope dropped_attributes_count", scope.droppedAttributesCount)
  );
}

/** Reads a Resource body (`end` exclusive). `schemaUrl` belongs to the enclosing message. */
export function readResource(r: WireReader, end: number): ResourceContext {
  const attrs = new KeyValueListText();
  let dropped = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_LEN)) attrs.add(r);
    else if (tag === ((2 << 3) | WIRE_VARINT)) dropped = r.uint32();
    else r.skip(tag & 7); // entity_refs: not stored (development status)
  }
  r.expectEnd(end);
  const text = attrs.text();
  return { attributes: encoder.encode(text), droppedAttributesCount: dropped, schemaUrl: NO_BYTES, serviceName: encoder.encode(serviceNameOf(text)) };
}

/** Reads an InstrumentationScope body. */
export function readScope(r: WireReader, end: number): ScopeContext {
  let name = NO_BYTES;
  let version = NO_BYTES;
  const attrs = new KeyValueListText();
  let dropped = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_LEN)) name = encoder.encode(r.string());
    else if (tag === ((2 << 3) | WIRE_LEN)) version = encoder.encode(r.string());
    else if (tag === ((3 << 3) | WIRE_LEN)) attrs.add(r);
    else if (tag === ((4 << 3) | WIRE_VARINT)) dropped = r.uint32();
    else r.skip(tag & 7);
  }
  r.expectEnd(end);
  return { name, version, attributes: encoder.encode(attrs.text()), droppedAttributesCount: dropped, schemaUrl: NO_BYTES };
}

/** `service.name` resource attribute when it is a string, else "". Once per resource. */
function serviceNameOf(attributesJson: string): string {
  if (!attributesJson.includes('"service.name"')) return "";
  const attrs = JSON.parse(attributesJson) as { key: string; value: { stringValue?: string } }[];
  for (const kv of attrs) if (kv.key === "service.name") return kv.value.stringValue ?? "";
  return "";
}

type ItemVisitor = (r: WireReader, end: number, resource: ResourceContext, scope: ScopeContext) => void;

/**
 * The three-level envelope of every OTLP request: ResourceX { resource=1, scope_x=2*,
 * schema_url=3 } and ScopeX { scope=1, items=2*, schema_url=3 }. schema_url follows the
 * repeated field on the wire, so each level is scanned first and its children visited after.
 * `visitItem(r, end, resource, scope)` reads one item body (a span, log record or metric).
 */
export function forEachItem(r: WireReader, visitItem: ItemVisitor): void {
  const total = r.buf.length;
  while (r.pos < total) {
    const tag = r.uint32();
    if (tag !== ((1 << 3) | WIRE_LEN)) {
      r.skip(tag & 7);
      continue;
    }
    const end = r.delimitedEnd();
    let resource = EMPTY_RESOURCE;
    let schemaUrl = "";
    const scopes: number[] = [];
    while (r.pos < end) {
      const t = r.uint32();
      if (t === ((1 << 3) | WIRE_LEN)) resource = readResource(r, r.delimitedEnd());
      else if (t === ((2 << 3) | WIRE_LEN)) {
        const e = r.delimitedEnd();
        scopes.push(r.pos, e);
        r.pos = e;
      } else if (t === ((3 << 3) | WIRE_LEN)) schemaUrl = r.string();
      else r.skip(t & 7);
    }
    r.expectEnd(end);
    if (schemaUrl !== "") resource = { ...resource, schemaUrl: encoder.encode(schemaUrl) };
    for (let i = 0; i < scopes.length; i += 2) {
      r.pos = scopes[i];
      visitScope(r, scopes[i + 1], resource, visitItem);
    }
    r.pos = end;
  }
}

function visitScope(r: WireReader, end: number, resource: ResourceContext, visitItem: ItemVisitor): void {
  let scope = EMPTY_SCOPE;
  let schemaUrl = "";
  const items: number[] = [];
  while (r.pos < end) {
    const t = r.uint32();
    if (t === ((1 << 3) | WIRE_LEN)) scope = readScope(r, r.delimitedEnd());
    else if (t === ((2 << 3) | WIRE_LEN)) {
      const e = r.delimitedEnd();
      items.push(r.pos, e);
      r.pos = e;
    } else if (t === ((3 << 3) | WIRE_LEN)) schemaUrl = r.string();
    else r.skip(t & 7);
  }
  r.expectEnd(end);
  if (schemaUrl !== "") scope = { ...scope, schemaUrl: encoder.encode(schemaUrl) };
  for (let i = 0; i < items.length; i += 2) {
    r.pos = items[i];
    visitItem(r, items[i + 1], resource, scope);
    r.expectEnd(items[i + 1]);
  }
}
