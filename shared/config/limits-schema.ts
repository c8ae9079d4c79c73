/**
 * The `limits.` section: per-tenant limits with per-org overrides, as Tempo, Loki and Mimir
 * name them "overrides". Every per-org key has a cluster-wide default here and may be
 * overridden for one org under `limits.overrides.<org>`; an org without an override gets the
 * defaults. Defaults are generous: they stop a runaway tenant, not a normal one.
 */
import { z } from "zod";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const positive = (error: string) => z.number({ error }).int().positive();

/** The limits one org is held to. Each is a key of `limits.` and of `limits.overrides.<org>`. */
const perOrgShape = {
  ingest_rate_bytes: positive("expected a whole number of bytes per second").describe(
    "sustained ingest rate of one org, bytes per second of decompressed OTLP (or Arrow) across the cluster; past it 429 / RESOURCE_EXHAUSTED with retry information",
  ),
  ingest_burst_bytes: positive("expected a whole number of bytes").describe(
    "bytes one org may send at once above its rate (token bucket size); a single request larger than this is refused as too large",
  ),
  max_request_bytes: positive("expected a whole number of bytes").describe(
    "largest single export request of one org, after decompression (413 / RESOURCE_EXHAUSTED); acceptor.max_body_bytes still caps every org",
  ),
  max_attributes_per_record: positive("expected a whole number").describe(
    "most attributes one span, log record or data point may carry; records past it are refused and reported in the OTLP partial success",
  ),
  max_attribute_value_bytes: positive("expected a whole number of bytes").describe(
    "largest attribute value of a span, log record or data point, in bytes as sent (a string's length plus a few bytes of framing; an array or map whole); records past it are refused and reported in the OTLP partial success",
  ),
  max_query_bytes_scanned: positive("expected a whole number of bytes").describe(
    "most Parquet bytes one query of one org may read (the manifest's file sizes, after pruning by time); past it the query is refused with 400",
  ),
  max_query_series: positive("expected a whole number").describe(
    "most series one query of one org may return (log streams: 400) or fetch (PromQL selectors, summed: 422 execution error, as Mimir); the answer names the limit",
  ),
  max_concurrent_queries: positive("expected a whole number").describe(
    "queries of one org a router runs at once; the next one is refused with 429 and Retry-After (not queued)",
  ),
} as const;

const PER_ORG_DEFAULTS = {
  ingest_rate_bytes: 64 * MiB,
  ingest_burst_bytes: 128 * MiB,
  max_request_bytes: 16 * MiB,
  max_attributes_per_record: 128,
  max_attribute_value_bytes: 64 * 1024,
  max_query_bytes_scanned: 64 * GiB,
  max_query_series: 50_000,
  max_concurrent_queries: 32,
} as const;

type PerOrgKey = keyof typeof perOrgShape;

const defaults = Object.fromEntries(
  Object.entries(perOrgShape).map(([key, schema]) => [key, schema.default(PER_ORG_DEFAULTS[key as PerOrgKey])]),
) as { [K in PerOrgKey]: z.ZodDefault<(typeof perOrgShape)[K]> };

/** One org's overrides: any subset of the per-org keys. */
const overrideSchema = z.strictObject(perOrgShape).partial();

const ORG_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const limitsSchema = z
  .strictObject({
    ingest_rate_strategy: z
      .enum(["global", "local"])
      .default("global")
      .describe(
        "global: an org's ingest rate is for the whole cluster, each acceptor enforcing rate / live acceptors (from discovery); local: each acceptor enforces the full rate",
      ),
    ...defaults,
    overrides: z
      .record(z.string().regex(ORG_NAME, { error: "expected an org name" }), overrideSchema)
      .default({})
      .describe("per-org overrides of the keys above, e.g. [limits.overrides.acme] ingest_rate_bytes = 1048576"),
  })
  .prefault({});

export type LimitsConfig = z.output<typeof limitsSchema>;
/** The limits one org is held to, overrides applied. */
export type TenantLimits = { [K in PerOrgKey]: number };
