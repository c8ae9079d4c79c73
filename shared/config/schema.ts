/**
 * The one configuration schema of Signalbox. Every key is documented here with `.describe()`;
 * the README table and `signalbox.example.toml` are checked against it by a test.
 * Durations are strings in files and environment, milliseconds once parsed.
 */
import { z } from "zod";
import { parseDuration } from "./duration.ts";
import { limitsSchema } from "./limits-schema.ts";
import { SIZE_PATTERN } from "./size.ts";

const duration = (fallback: string) =>
  z
    .string({ error: 'expected a duration string such as "250ms", "30s" or "5m"' })
    .refine((s) => parseDuration(s) !== undefined, { error: 'expected a duration such as "250ms", "30s" or "5m"' })
    .transform((s) => parseDuration(s)!)
    .prefault(fallback);

const port = (fallback: number) =>
  z.number({ error: "expected a port number (0 picks a free port)" }).int().min(0).max(65535).default(fallback);

/** A DuckDB memory_limit value: "512MB", "1GiB". */
const duckdbMemory = (fallback: string) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$/i, { error: 'expected a size such as "512MB" or "1GiB"' })
    .default(fallback);

const positiveInt = (fallback: number) => z.number({ error: "expected a whole number" }).int().positive().default(fallback);

const size = (fallback: string) =>
  z.string().regex(SIZE_PATTERN, { error: 'expected a size such as "512MiB" or "1GiB"' }).default(fallback);

const DSN_SCHEMES = /^(sqlite::memory:|sqlite:.+|postgres(ql)?:\/\/.+)$/;

export const Scope = z.enum(["ingest", "query", "admin"]);

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().default("127.0.0.1").describe("interface every listener binds (0.0.0.0 in containers)"),
      advertise_host: z
        .string()
        .optional()
        .describe("host name other instances use to reach this one; defaults to server.host (or the hostname when binding 0.0.0.0)"),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(["debug", "info", "warn", "error"]).default("info").describe("lowest level written"),
      format: z.enum(["json", "pretty"]).default("json").describe("json lines, or pretty for terminals"),
    })
    .prefault({}),
  shutdown_timeout: duration("10s").describe("how long a stopping role waits for in-flight work"),
  cluster: z
    .strictObject({
      secret: z.string().min(1).optional().describe("shared secret every Flight call carries and every Flight server checks"),
    })
    .prefault({}),
  auth: z
    .strictObject({
      tokens: z
        .array(
          z.strictObject({
            token: z.string().min(8),
            org: z.string().min(1),
            scopes: z.array(Scope).min(1),
          }),
        )
        .default([])
        .describe("bearer tokens: each maps to an org and scopes (ingest, query, admin); empty = no auth"),
    })
    .prefault({}),
  discovery: z
    .strictObject({
      catalog: z
        .strictObject({
          dsn: z
            .string()
            .regex(DSN_SCHEMES, { error: "expected sqlite::memory:, sqlite:PATH or postgres://..." })
            .default("sqlite::memory:")
            .describe("catalog database: sqlite::memory:, sqlite:PATH or postgres://..."),
          timeout: duration("10s").describe(
            "PostgreSQL: deadline of one catalog call and the server-side statement timeout; past it the call fails and the connections are replaced",
          ),
        })
        .prefault({}),
      heartbeat_interval: duration("30s").describe("catalog heartbeat period"),
      cache_ttl: duration("0s").describe("how long a role reuses its view of the registry; 0 = ask on each request (was router.cache_ttl)"),
      ttl: z
        .string()
        .refine((s) => parseDuration(s) !== undefined, { error: 'expected a duration such as "90s"' })
        .transform((s) => parseDuration(s)!)
        .optional()
        .describe("an instance whose last heartbeat is older is not live (default 3 x heartbeat_interval)"),
      nats: z
        .strictObject({
          url: z.string().optional().describe("NATS server, e.g. nats://127.0.0.1:4222; unset = catalog-only discovery"),
          heartbeat_interval: duration("250ms").describe("NATS heartbeat period"),
          stale_after: duration("1s").describe("an instance silent on NATS for this long is not live"),
          kv_bucket: z.string().default("signalbox_services").describe("JetStream KV bucket of the registry"),
        })
        .prefault({}),
    })
    .prefault({}),
  sharding: z
    .strictObject({
      shard_count: positiveInt(64).describe("number of shards"),
      replication_factor: positiveInt(1).describe("writers per shard"),
      write_quorum: z.number().int().positive().optional().describe("replicas that must ack a write (default: majority)"),
    })
    .prefault({}),
  storage: z
    .strictObject({
      path: z.string().default("./data").describe("Parquet files, WAL and manifest mirror"),
      url: z
        .string()
        .regex(/^(file:\/\/.*|s3:\/\/.+)$/, { error: "expected file://PATH or s3://BUCKET/PREFIX" })
        .optional()
        .describe("file://PATH (default: storage.path) or s3://BUCKET/PREFIX"),
      s3: z
        .strictObject({
          endpoint: z.string().optional().describe("S3 endpoint URL"),
          region: z.string().optional().describe("S3 region"),
          access_key_id: z.string().optional().describe("S3 access key (default: AWS_ACCESS_KEY_ID)"),
          secret_access_key: z.string().optional().describe("S3 secret key (default: AWS_SECRET_ACCESS_KEY)"),
        })
        .prefault({}),
    })
    .prefault({}),
  write: z
    .strictObject({
      timeout: duration("10s").describe(
        "deadline for a batch to become durable on a quorum; also bounds a writer's Parquet copy (was acceptor.write_timeout)",
      ),
    })
    .prefault({}),
  query: z
    .strictObject({
      timeout: duration("30s").describe("deadline of one query, router and querier alike (504 past it; was router.query_timeout)"),
      max_result_rows: positiveInt(100_000).describe("most rows a query may return (was router.max_result_rows)"),
      max_samples: positiveInt(50_000_000).describe(
        "most samples one PromQL query (or Prometheus API call) may load; past it the query fails with 422 execution",
      ),
      max_memory: size("512MiB").describe(
        "memory one SQL query may use: it runs in its own process, stopped beyond this (HTTP 422)",
      ),
      max_concurrent_sql: positiveInt(2).describe(
        "SQL queries a querier runs at once (each up to query.max_memory); more wait up to half of query.timeout, then get 503",
      ),
      max_process_memory: size("1GiB").describe(
        "memory the querier's shared DuckDB (search, trace by id, logs, tags) may use for all its queries together",
      ),
      max_temp_directory_size: size("4GiB").describe(
        "disk each DuckDB of a querier may spill to beyond its memory (under storage.path/.scratch/query); a query needing more fails with 422",
      ),
      max_result_bytes: size("64MiB").describe("largest SQL answer (Arrow bytes); a larger one is refused with 422"),
      log_sample_cache: size("256MiB").describe(
        "memory a querier keeps `| logfmt` metric samples in, per Parquet file and query shape, so a refreshed LogQL dashboard reads only new files; 0B: none kept",
      ),
      promql_sample_cache: size("512MiB").describe(
        "memory a querier keeps the decoded samples of the Parquet files PromQL read in, so repeated queries skip the files (least recently used out first); 0B = none",
      ),
    })
    .prefault({}),
  acceptor: z
    .strictObject({
      grpc_port: port(4317).describe("OTLP/gRPC listener"),
      http_port: port(4318).describe("OTLP/HTTP listener (also serves /healthz, /ready, /metrics)"),
      max_body_bytes: positiveInt(16 * 1024 * 1024).describe("largest accepted request body, after decompression"),
      max_time_age: duration("0s").describe(
        "records with a time older than this before the acceptor's clock are rejected (partial success); 0s = only times before 1970 are",
      ),
      max_time_ahead: duration("1h").describe(
        "records with a time more than this ahead of the acceptor's clock are rejected (partial success); 0s = only times past 2262 (int64) are",
      ),
    })
    .prefault({}),
  writer: z
    .strictObject({
      name: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { error: "expected letters, digits, '.', '_' or '-'" })
        .default("default")
        .describe("stable name of this writer: its WAL is storage.path/wal/{name}; writers sharing a storage path need distinct names"),
      flight_port: port(50061).describe("writer Flight"),
      http_port: port(9061).describe("writer /healthz, /ready, /metrics"),
      flush_interval: duration("10s").describe("how often the live buffer is written to Parquet"),
      max_buffer_rows: positiveInt(200_000).describe("live-buffer rows that trigger a flush"),
      flush_memory_limit: duckdbMemory("512MB").describe("memory DuckDB may use while writing Parquet (it spills to disk beyond it)"),
      flush_retained_memory: duckdbMemory("128MB").describe(
        "memory DuckDB keeps between flushes instead of handing it back to the kernel (each flush then refaults fewer pages); 0MB keeps none",
      ),
      flush_threads: positiveInt(1).describe(
        "DuckDB threads for writing Parquet; 1 leaves the other cores to ingest (more threads cost more CPU per row)",
      ),
      max_buffer_bytes: positiveInt(64 * 1024 * 1024).describe("live-buffer bytes that trigger a flush (bounds writer memory whatever the row size)"),
    })
    .prefault({}),
  compaction: z
    .strictObject({
      interval: duration("5m").describe(
        "how often each writer compacts its primary shards' partitions, applies retention and deletes retired files",
      ),
      target_file_bytes: positiveInt(256 * 1024 * 1024).describe(
        "size a compacted file grows to: files of one (org, bucket, table, hour) are merged until they reach it",
      ),
      min_files: positiveInt(4).describe("small files a partition must hold before it is compacted"),
      concurrency: positiveInt(1).describe("partitions one writer compacts at once (each on one DuckDB thread)"),
      memory_limit: duckdbMemory("512MB").describe("memory DuckDB may use to sort a partition being compacted (it spills to disk beyond it)"),
      zstd_level: z
        .number({ error: "expected a whole number" })
        .int()
        .min(1)
        .max(22)
        .default(3)
        .describe("zstd level of compacted files (a flush writes 3): higher levels make compacted files smaller for more merge CPU, decompression costs the same"),
      retained_memory: duckdbMemory("256MB").describe(
        "memory the compactor's DuckDB keeps between merges instead of handing it back to the kernel (each merge then refaults fewer pages); 0MB keeps none",
      ),
      delete_grace: duration("10m").describe(
        "how long compacted or expired files stay in storage after leaving the manifest (queries in flight still read them); also the age an unknown file must reach before the orphan sweep deletes it",
      ),
    })
    .prefault({}),
  retention: z
    .strictObject({
      default: duration("0s").describe(
        "how long rows are kept, by their own time (e.g. \"14d\"); older rows leave every query at once and storage within a compaction interval; 0 = forever",
      ),
      overrides: z
        .array(
          z.strictObject({
            org: z.string().min(1),
            bucket: z.string().min(1).optional(),
            table: z.enum(["traces", "logs", "metrics"]).optional(),
            period: z
              .string({ error: 'expected a duration such as "30d"' })
              .refine((s) => parseDuration(s) !== undefined, { error: 'expected a duration such as "30d"' })
              .transform((s) => parseDuration(s)!),
          }),
        )
        .default([])
        .describe(
          "per org, bucket or table retention, e.g. [{ org = \"acme\", table = \"logs\", period = \"7d\" }]; the most specific match wins (org+bucket+table, org+bucket, org+table, org); period 0 = forever",
        ),
    })
    .prefault({}),
  router: z
    .strictObject({
      http_port: port(3000).describe("HTTP query API"),
      grpc_port: port(3200).describe(
        "Tempo's gRPC streaming API (StreamingQuerier, h2c) and the HTTP query API on one port, as Tempo serves them: the URL of a Grafana Tempo data source with streaming on",
      ),
      flight_port: port(50053).describe("router Flight"),
    })
    .prefault({}),
  querier: z
    .strictObject({
      flight_port: port(50054).describe("querier Flight"),
      http_port: port(9054).describe("querier /healthz, /ready, /metrics"),
      cache_path: z.string().default("./data/.cache").describe("local cache of remote Parquet files"),
      cache_max_bytes: positiveInt(2 * 1024 * 1024 * 1024).describe("size of the Parquet file cache"),
    })
    .prefault({}),
  limits: limitsSchema,
});

/** The parsed configuration: durations in milliseconds, every default filled in. */
export type Config = z.output<typeof configSchema>;
/** What a TOML file, the environment or flags may say. */
export type ConfigInput = z.input<typeof configSchema>;

/** Derived values that depend on more than one key. */
export function discoveryTtlMs(config: Config): number {
  return config.discovery.ttl ?? 3 * config.discovery.heartbeat_interval;
}

export function writeQuorum(config: Config): number {
  return config.sharding.write_quorum ?? Math.floor(config.sharding.replication_factor / 2) + 1;
}
