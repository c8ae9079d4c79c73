/** The OTLP → Prometheus series model, used by every read path (docs/metrics-promql.md). */
export * from "./attributes.ts";
export * from "./collect.ts";
export * from "./expand.ts";
export * from "./family.ts";
export * from "./names.ts";
