/**
 * Latency and errors of Flight calls, by method, on either side of the wire — the same two
 * series for servers and clients so a dashboard can line them up.
 */
import type { Counter, Histogram, MetricsRegistry } from "../metrics/index.ts";
import { FlightError } from "./errors.ts";

export class FlightCallMetrics {
  private readonly seconds: Histogram;
  private readonly errors: Counter;

  constructor(registry: MetricsRegistry, side: "server" | "client") {
    this.seconds = registry.histogram(`signalbox_flight_${side}_call_seconds`, `Flight ${side} call latency by method`, ["method"]);
    this.errors = registry.counter(`signalbox_flight_${side}_errors_total`, `failed Flight ${side} calls by method and gRPC status`, ["code", "method"]);
  }

  async time<T>(method: string, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await call();
    } catch (err) {
      this.errors.inc({ method, code: FlightError.from(err).codeName });
      throw err;
    } finally {
      this.seconds.since(started, { method });
    }
  }
}

/** For callers without a registry: times nothing. */
export const UNTIMED = { time: <T>(_method: string, call: () => Promise<T>) => call() };
