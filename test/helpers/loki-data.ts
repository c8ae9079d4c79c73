/**
 * A small fixed log data set for the Loki API tests, sent the two ways logs reach Signalbox
 * as Loki sees them: OTLP from the real OTel JS SDK and log exporter, and Loki push (JSON, and
 * snappy protobuf encoded here as Promtail/Alloy send it).
 */
import { context, trace, TraceFlags } from "@opentelemetry/api";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { snappyCompress } from "../../shared/remote-write/index.ts";
import { exportOnce, expectSuccess } from "./acceptor-otel.ts";

export const TRACE_ID = "5b8efff798038103d269b633813fc60c";
export const SPAN_ID = "eee19b7ec3c1b174";

export interface OtelLine {
  offsetS: number;
  severity: SeverityNumber;
  severityText: string;
  body: string;
  attributes?: Record<string, string | number>;
  traced?: boolean;
}

/** The checkout service's lines: JSON bodies, one error with a trace, levels from severity. */
export const CHECKOUT_LINES: OtelLine[] = [
  { offsetS: 0, severity: SeverityNumber.INFO, severityText: "INFO", body: '{"msg":"cart loaded","status":200,"latency":"12ms"}', attributes: { "user.id": "u1" } },
  { offsetS: 10, severity: SeverityNumber.WARN, severityText: "WARN", body: '{"msg":"slow payment","status":200,"latency":"950ms"}', attributes: { "user.id": "u2" } },
  { offsetS: 20, severity: SeverityNumber.ERROR, severityText: "ERROR", body: '{"msg":"payment failed","status":500,"latency":"30ms"}', attributes: { "user.id": "u3" }, traced: true },
  { offsetS: 30, severity: SeverityNumber.INFO, severityText: "INFO", body: '{"msg":"order placed","status":201,"latency":"40ms"}', attributes: { "user.id": "u1" } },
  { offsetS: 40, severity: SeverityNumber.ERROR, severityText: "ERROR", body: '{"msg":"payment failed again","status":502,"latency":"31ms"}', attributes: { "user.id": "u4" } },
];

/** Sends the lines through the OTel JS SDK and its OTLP/HTTP protobuf log exporter. */
export async function sendOtelLogs(acceptorHttp: string, baseMs: number, lines: OtelLine[] = CHECKOUT_LINES): Promise<void> {
  const memory = new InMemoryLogRecordExporter();
  const resource = resourceFromAttributes({ "service.name": "checkout", "deployment.environment": "test", "host.name": "h1", "k8s.pod.name": "checkout-0" });
  const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
  const logger = provider.getLogger("shop.checkout", "2.0.0");
  for (const l of lines) {
    const ctx = l.traced ? trace.setSpanContext(context.active(), { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED }) : context.active();
    logger.emit({ timestamp: baseMs + l.offsetS * 1000, severityNumber: l.severity, severityText: l.severityText, body: l.body, attributes: l.attributes, context: ctx });
  }
  await provider.forceFlush();
  const records = memory.getFinishedLogRecords();
  await provider.shutdown();
  expectSuccess(await exportOnce(new OTLPLogExporter({ url: `http://${acceptorHttp}/v1/logs` }), records));
}

export interface PushEntry {
  ns: bigint;
  line: string;
  metadata?: Record<string, string>;
}

export async function pushJson(acceptorHttp: string, labels: Record<string, string>, entries: PushEntry[], headers: Record<string, string> = {}): Promise<Response> {
  const body = { streams: [{ stream: labels, values: entries.map((e) => (e.metadata ? [String(e.ns), e.line, e.metadata] : [String(e.ns), e.line])) }] };
  return fetch(`http://${acceptorHttp}/loki/api/v1/push`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

export async function pushProtobuf(acceptorHttp: string, labels: string, entries: PushEntry[]): Promise<Response> {
  const body = snappyCompress(encodePushRequest(labels, entries));
  return fetch(`http://${acceptorHttp}/loki/api/v1/push`, { method: "POST", headers: { "content-type": "application/x-protobuf" }, body });
}

/** `logproto.PushRequest` with one stream (proto/loki/push.proto). */
export function encodePushRequest(labels: string, entries: PushEntry[]): Uint8Array {
  const stream = [...field(1, utf8(labels)), ...entries.flatMap((e) => field(2, entry(e)))];
  return Uint8Array.from(field(1, stream));
}

function entry(e: PushEntry): number[] {
  const seconds = e.ns / 1_000_000_000n;
  const nanos = Number(e.ns % 1_000_000_000n);
  const ts = [...varintField(1, seconds), ...varintField(2, BigInt(nanos))];
  const meta = Object.entries(e.metadata ?? {}).flatMap(([k, v]) => field(3, [...field(1, utf8(k)), ...field(2, utf8(v))]));
  return [...field(1, ts), ...field(2, utf8(e.line)), ...meta];
}

const utf8 = (s: string) => [...new TextEncoder().encode(s)];

function varint(n: bigint): number[] {
  const out: number[] = [];
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n > 0n) b |= 0x80;
    out.push(b);
  } while (n > 0n);
  return out;
}

function field(num: number, bytes: number[]): number[] {
  return [...varint(BigInt((num << 3) | 2)), ...varint(BigInt(bytes.length)), ...bytes];
}

function varintField(num: number, value: bigint): number[] {
  return [...varint(BigInt(num << 3)), ...varint(value)];
}
