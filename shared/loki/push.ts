/**
 * Loki push (`POST /loki/api/v1/push`) → an OTLP/JSON logs export request, so a push travels
 * the acceptor's one write path (limits, time window, decoding, durability) and reads back
 * through the Loki model unchanged:
 * - each stream is a resource marked LOKI_PUSH_SCHEMA_URL whose attributes are the stream's
 *   labels, plus `service.name` = its `service_name` — pushed, or discovered as Loki does
 *   (DISCOVER_SERVICE_NAME, else `unknown_service`) — which fills the table's service column;
 * - each entry is a log record: its time, the line as a string body, its structured metadata
 *   as attributes.
 * Bodies: JSON (`{"streams":[{"stream":{…},"values":[["ns","line",{metadata}]]}]}`) or
 * protobuf `logproto.PushRequest` (push-protobuf.ts; the caller inflates snappy).
 */
import { DISCOVER_SERVICE_NAME, LOKI_PUSH_SCHEMA_URL, SERVICE_NAME_LABEL, UNKNOWN_SERVICE } from "./defaults.ts";

export class LokiPushError extends Error {
  override readonly name = "LokiPushError";
}

export interface PushEntry {
  /** Nanoseconds since the epoch, decimal. */
  timeNs: string;
  line: string;
  metadata: [string, string][];
}

export interface PushStream {
  labels: [string, string][];
  entries: PushEntry[];
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Loki's JSON push body → streams. */
export function parsePushJson(text: string): PushStream[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new LokiPushError(`push body is not JSON: ${(err as Error).message}`);
  }
  const streams = (doc as { streams?: unknown })?.streams;
  if (!Array.isArray(streams)) throw new LokiPushError(`push body has no "streams" array`);
  return streams.map((s, i) => {
    const stream = (s as { stream?: unknown })?.stream ?? {};
    if (stream === null || typeof stream !== "object" || Array.isArray(stream)) throw new LokiPushError(`streams[${i}].stream is not an object`);
    const labels = Object.entries(stream as Record<string, unknown>).map(([k, v]): [string, string] => {
      if (typeof v !== "string") throw new LokiPushError(`streams[${i}].stream.${k} is not a string`);
      return [k, v];
    });
    const values = (s as { values?: unknown }).values;
    if (!Array.isArray(values)) throw new LokiPushError(`streams[${i}].values is not an array`);
    const entries = values.map((v, j): PushEntry => {
      if (!Array.isArray(v) || v.length < 2 || v.length > 3) throw new LokiPushError(`streams[${i}].values[${j}] is not ["<ns>", "<line>"] or ["<ns>", "<line>", {metadata}]`);
      const [ts, line, meta] = v as [unknown, unknown, unknown];
      if (typeof ts !== "string" || !/^\d{1,19}$/.test(ts)) throw new LokiPushError(`streams[${i}].values[${j}][0] is not a timestamp in nanoseconds as a string`);
      if (typeof line !== "string") throw new LokiPushError(`streams[${i}].values[${j}][1] is not a string`);
      const metadata: [string, string][] = [];
      if (meta !== undefined) {
        if (meta === null || typeof meta !== "object" || Array.isArray(meta)) throw new LokiPushError(`streams[${i}].values[${j}][2] is not an object`);
        for (const [k, mv] of Object.entries(meta as Record<string, unknown>)) {
          if (typeof mv !== "string") throw new LokiPushError(`streams[${i}].values[${j}][2].${k} is not a string`);
          metadata.push([k, mv]);
        }
      }
      return { timeNs: ts, line, metadata };
    });
    return { labels: checkLabels(labels, i), entries };
  });
}

/** Prometheus label-set text (`{a="b", c="d"}`, Go string escapes) → pairs. */
export function parseLabelSet(text: string): [string, string][] {
  const s = text.trim();
  if (!s.startsWith("{") || !s.endsWith("}")) throw new LokiPushError(`invalid stream labels "${s.slice(0, 100)}": expected {name="value", ...}`);
  const out: [string, string][] = [];
  const body = s.slice(1, -1);
  const pair = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  let at = 0;
  while (at < body.length && body.slice(at).trim() !== "") {
    pair.lastIndex = at;
    const m = pair.exec(body);
    if (!m) throw new LokiPushError(`invalid stream labels "${s.slice(0, 100)}" at offset ${at + 1}`);
    let value: string;
    try {
      value = JSON.parse(`"${m[2]!}"`) as string;
    } catch {
      throw new LokiPushError(`invalid escape in the value of label ${m[1]} in "${s.slice(0, 100)}"`);
    }
    out.push([m[1]!, value]);
    at = pair.lastIndex;
  }
  return out;
}

function checkLabels(labels: [string, string][], stream: number): [string, string][] {
  for (const [name] of labels) if (!LABEL_NAME.test(name)) throw new LokiPushError(`streams[${stream}]: invalid label name "${name}"`);
  if (labels.length === 0) throw new LokiPushError("error at least one label pair is required per stream");
  return labels;
}

export { checkLabels as checkPushLabels };

/** The streams as an OTLP/JSON ExportLogsServiceRequest (see the file comment). */
export function pushToOtlpJson(streams: readonly PushStream[]): string {
  const str = (v: string) => ({ stringValue: v });
  const resourceLogs = streams.map((s) => {
    const labels = new Map(s.labels);
    let service = labels.get(SERVICE_NAME_LABEL);
    if (service === undefined || service === "") {
      service = DISCOVER_SERVICE_NAME.map((n) => labels.get(n)).find((v) => v !== undefined && v !== "") ?? UNKNOWN_SERVICE;
    }
    const attributes = [{ key: "service.name", value: str(service) }, ...[...labels].filter(([k]) => k !== SERVICE_NAME_LABEL).map(([key, v]) => ({ key, value: str(v) }))];
    attributes.push({ key: SERVICE_NAME_LABEL, value: str(service) });
    return {
      resource: { attributes },
      schemaUrl: LOKI_PUSH_SCHEMA_URL,
      scopeLogs: [
        {
          logRecords: s.entries.map((e) => ({
            timeUnixNano: e.timeNs,
            body: str(e.line),
            attributes: e.metadata.map(([key, v]) => ({ key, value: str(v) })),
          })),
        },
      ],
    };
  });
  return JSON.stringify({ resourceLogs });
}
