/**
 * Ingest counters by signal and outcome. Plain numbers first (`snapshot()` for tests and
 * the topology view); mirrored into a Prometheus registry when the role runs with one.
 */
import type { MetricsRegistry, Counter } from "../../shared/metrics/index.ts";
import type { TableName } from "../../shared/tables/index.ts";

/**
 * How a request ended. `ok` = every item accepted; `partial` = some items rejected
 * (still HTTP 200 / gRPC OK, with partial_success); the rest are failed requests.
 */
export type IngestOutcome =
  | "ok"
  | "partial"
  | "invalid"
  | "unauthenticated"
  | "forbidden"
  | "too_large"
  | "throttled"
  | "unsupported"
  | "unavailable"
  | "rejected"
  | "internal";

export type Transport = "http" | "grpc";

export interface SignalStats {
  /** Requests by outcome. */
  requests: Partial<Record<IngestOutcome, number>>;
  /** Items (spans, log records, data points) acknowledged by the sink / refused as invalid. */
  acceptedRows: number;
  rejectedRows: number;
  /** Request bytes after decompression, of decodable requests. */
  bytes: number;
  /** Batches handed to the sink and acknowledged. */
  batches: number;
  /** OTLP/HTTP requests that arrived gzip-compressed (gRPC hides its message encoding). */
  gzipRequests: number;
}

export type AcceptorStatsSnapshot = Record<TableName, SignalStats>;

function emptySignal(): SignalStats {
  return { requests: {}, acceptedRows: 0, rejectedRows: 0, bytes: 0, batches: 0, gzipRequests: 0 };
}

export class AcceptorStats {
  private readonly bySignal: AcceptorStatsSnapshot = { traces: emptySignal(), logs: emptySignal(), metrics: emptySignal() };
  private readonly prometheus?: {
    requests: Counter;
    rows: Counter;
    bytes: Counter;
    batches: Counter;
  };

  constructor(registry?: MetricsRegistry) {
    if (registry) {
      this.prometheus = {
        requests: registry.counter("signalbox_acceptor_requests_total", "OTLP export requests by signal, transport and outcome", ["outcome", "signal", "transport"]),
        rows: registry.counter("signalbox_acceptor_rows_total", "spans, log records and data points by signal and status", ["signal", "status"]),
        bytes: registry.counter("signalbox_acceptor_bytes_total", "OTLP request bytes after decompression, by signal", ["signal"]),
        batches: registry.counter("signalbox_acceptor_batches_total", "batches acknowledged by the sink, by signal", ["signal"]),
      };
    }
  }

  request(signal: TableName, transport: Transport, outcome: IngestOutcome): void {
    const s = this.bySignal[signal];
    s.requests[outcome] = (s.requests[outcome] ?? 0) + 1;
    this.prometheus?.requests.inc({ signal, transport, outcome });
  }

  gzipRequest(signal: TableName): void {
    this.bySignal[signal].gzipRequests++;
  }

  decoded(signal: TableName, bytes: number, rejectedRows: number): void {
    const s = this.bySignal[signal];
    s.bytes += bytes;
    s.rejectedRows += rejectedRows;
    this.prometheus?.bytes.inc({ signal }, bytes);
    if (rejectedRows) this.prometheus?.rows.inc({ signal, status: "rejected" }, rejectedRows);
  }

  stored(signal: TableName, rows: number): void {
    const s = this.bySignal[signal];
    s.batches++;
    s.acceptedRows += rows;
    this.prometheus?.batches.inc({ signal });
    this.prometheus?.rows.inc({ signal, status: "accepted" }, rows);
  }

  /** A deep copy: callers may keep it and compare later. */
  snapshot(): AcceptorStatsSnapshot {
    return structuredClone(this.bySignal);
  }
}
