export { MetricsRegistry, Counter, Gauge, Histogram } from "./registry.ts";
