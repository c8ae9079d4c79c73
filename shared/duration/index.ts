export { CONFIG_DURATION, durationNs, GO_DURATION, PROMETHEUS_DURATION, TRACEQL_DURATION, type DurationSyntax } from "./duration.ts";
