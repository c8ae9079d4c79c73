/**
 * Each role's metrics, on prom-client: one registry per role, rendered in the Prometheus text
 * format by the ops endpoint. Besides Signalbox's own series every rendering carries
 * prom-client's default ones — `process_*` (CPU, memory, file descriptors, start time) and
 * the runtime's `nodejs_*` (event-loop lag, heap) — which Prometheus users expect of any
 * target. They describe the process, so one set of collectors serves every registry in it
 * (the monolith's four roles), started at the first scrape: a registry never rendered (tests,
 * tools) costs no event-loop monitor. A metric declares its label names; label pairs are
 * written in name order.
 */
import client from "prom-client";

export type Labels = Record<string, string>;

const DEFAULT_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A copy with the keys in name order: prom-client writes label pairs in key order. */
function inNameOrder(labels: Labels): Labels {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function sameLabels(a: Partial<Record<string, string | number>>, b: Labels): boolean {
  const keys = Object.keys(a).filter((k) => a[k] !== undefined);
  return keys.length === Object.keys(b).length && keys.every((k) => String(a[k]) === b[k]);
}

/** The current value of the series with exactly `labels` (0 when it has none yet). */
async function valueOf(metric: client.Metric<string>, labels: Labels = {}): Promise<number> {
  const { values } = await metric.get();
  return values.find((v) => sameLabels(v.labels, labels))?.value ?? 0;
}

export class Counter {
  constructor(private readonly metric: client.Counter<string>) {}
  inc(labels?: Labels, by = 1): void {
    if (labels) this.metric.inc(inNameOrder(labels), by);
    else this.metric.inc(by);
  }
  get(labels?: Labels): Promise<number> {
    return valueOf(this.metric, labels);
  }
}

export class Gauge {
  constructor(private readonly metric: client.Gauge<string>) {}
  set(value: number, labels?: Labels): void {
    if (labels) this.metric.set(inNameOrder(labels), value);
    else this.metric.set(value);
  }
  get(labels?: Labels): Promise<number> {
    return valueOf(this.metric, labels);
  }
}

export class Histogram {
  constructor(private readonly metric: client.Histogram<string>) {}
  observe(value: number, labels?: Labels): void {
    if (labels) this.metric.observe(inNameOrder(labels), value);
    else this.metric.observe(value);
  }
  /** Observe the seconds since `startMs` (from performance.now()). */
  since(startMs: number, labels?: Labels): void {
    this.observe((performance.now() - startMs) / 1000, labels);
  }
}

/** A gauge's values read when it is scraped (e.g. live-buffer rows). */
export type GaugeSample = () => Array<[Labels | undefined, number]>;

type Wrapped = Counter | Gauge | Histogram;

let processRegistry: client.Registry | undefined;

/** The process-wide default series, collected from the first call on. */
function processMetrics(): client.Registry {
  if (!processRegistry) {
    processRegistry = new client.Registry();
    client.collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class MetricsRegistry {
  private readonly registry = new client.Registry();
  private readonly metrics = new Map<string, Wrapped>();

  /** The Content-Type of `render()`'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.register(name, () => new Counter(new client.Counter({ name, help, labelNames, registers: [this.registry] })));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = [], sample?: GaugeSample): Gauge {
    return this.register(name, () => {
      const collect = sample
        ? function (this: client.Gauge<string>) {
            this.reset();
            for (const [labels, value] of sample()) {
              if (labels) this.set(inNameOrder(labels), value);
              else this.set(value);
            }
          }
        : undefined;
      return new Gauge(new client.Gauge({ name, help, labelNames, registers: [this.registry], collect }));
    });
  }

  histogram(name: string, help: string, labelNames: readonly string[] = [], buckets: number[] = DEFAULT_BUCKETS_SECONDS): Histogram {
    return this.register(name, () => new Histogram(new client.Histogram({ name, help, labelNames, buckets, registers: [this.registry] })));
  }

  /** Prometheus text exposition format (version 0.0.4): this registry's series, then the process's. */
  render(): Promise<string> {
    return client.Registry.merge([this.registry, processMetrics()]).metrics();
  }

  /** The same name returns the metric registered first (its help and labels stand). */
  private register<M extends Wrapped>(name: string, make: () => M): M {
    const existing = this.metrics.get(name);
    if (existing) return existing as M;
    const metric = make();
    this.metrics.set(name, metric);
    return metric;
  }
}
