/**
 * What a querier and its SQL sandbox process say to each other, over the child's stdin and
 * stdout: one frame each way. A frame is a JSON header and binary blobs (Arrow IPC streams:
 * the live batches going in, the result coming out), length-prefixed:
 *   u32 header length · header JSON · u32 blob count · (u32 length · bytes)*
 * Structured-clone IPC was measured two orders of magnitude slower for tens of MiB.
 */
import { RecordBatch, Table, tableFromIPC, tableToIPC } from "apache-arrow";
import type { QueryErrorCode } from "../../../shared/query/index.ts";
import type { TableName } from "../../../shared/tables/index.ts";
import type { TableSources } from "./source-view.ts";

export interface SandboxJob {
  sql: string;
  maxRows: number;
  timeoutMs: number;
  maxResultBytes: number;
  /** Per table: its files and how many of the frame's blobs (in table order) are its live batches. */
  tables: Partial<Record<TableName, { files: string[]; liveBatches: number }>>;
}

export type SandboxReply =
  | { ok: true; truncated: boolean }
  | { ok: false; code: QueryErrorCode; message: string };

export interface Frame<H> {
  header: H;
  blobs: Uint8Array[];
}

export function encodeFrame(header: object, blobs: readonly Uint8Array[] = []): Uint8Array[] {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const head = new DataView(new ArrayBuffer(4));
  head.setUint32(0, json.byteLength, true);
  const count = new DataView(new ArrayBuffer(4));
  count.setUint32(0, blobs.length, true);
  const parts: Uint8Array[] = [new Uint8Array(head.buffer), json, new Uint8Array(count.buffer)];
  for (const blob of blobs) {
    const length = new DataView(new ArrayBuffer(4));
    length.setUint32(0, blob.byteLength, true);
    parts.push(new Uint8Array(length.buffer), blob);
  }
  return parts;
}

export function decodeFrame<H>(bytes: Uint8Array): Frame<H> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const u32 = () => {
    if (at + 4 > bytes.byteLength) throw new Error("sandbox frame is cut short");
    const value = view.getUint32(at, true);
    at += 4;
    return value;
  };
  const take = (n: number) => {
    if (at + n > bytes.byteLength) throw new Error("sandbox frame is cut short");
    const out = bytes.subarray(at, at + n);
    at += n;
    return out;
  };
  const header = JSON.parse(new TextDecoder().decode(take(u32()))) as H;
  const blobs: Uint8Array[] = [];
  for (let n = u32(); n > 0; n--) blobs.push(take(u32()));
  return { header, blobs };
}

/** The job frame: each live batch its own IPC stream (batches of a table may differ in dictionaries). */
export function jobFrame(job: Omit<SandboxJob, "tables">, sources: TableSources): Uint8Array[] {
  const tables: SandboxJob["tables"] = {};
  const blobs: Uint8Array[] = [];
  for (const [table, src] of Object.entries(sources) as Array<[TableName, TableSources[TableName]]>) {
    if (!src) continue;
    tables[table] = { files: src.files, liveBatches: src.live.length };
    for (const batch of src.live) blobs.push(tableToIPC(new Table([batch]), "stream"));
  }
  return encodeFrame({ ...job, tables } satisfies SandboxJob, blobs);
}

export function sourcesOfJob(frame: Frame<SandboxJob>): TableSources {
  const sources: TableSources = {};
  let next = 0;
  for (const [table, spec] of Object.entries(frame.header.tables) as Array<[TableName, { files: string[]; liveBatches: number }]>) {
    const live: RecordBatch[] = [];
    for (let i = 0; i < spec.liveBatches; i++) live.push(...tableFromIPC(frame.blobs[next++]!).batches);
    sources[table] = { files: spec.files, live };
  }
  return sources;
}
