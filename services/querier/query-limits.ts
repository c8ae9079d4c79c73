/**
 * The `query.*` bounds as the engine takes them. Every DuckDB of a querier spills to a
 * folder of its own under storage.path/.scratch/query (never the working directory, DuckDB's
 * default), at most `query.max_temp_directory_size` each.
 */
import { join, resolve } from "node:path";
import { parseSize, type Config } from "../../shared/config/index.ts";
import type { QueryEngineOptions } from "./engine/index.ts";

export function queryLimits(config: Config): Pick<QueryEngineOptions, "duckdbConfig" | "sql" | "logSampleCacheBytes" | "promqlSampleCacheBytes"> {
  const q = config.query;
  const tempRoot = join(resolve(config.storage.path), ".scratch", "query");
  return {
    promqlSampleCacheBytes: parseSize(q.promql_sample_cache)!,
    duckdbConfig: {
      memory_limit: q.max_process_memory,
      temp_directory: join(tempRoot, `shared-${process.pid}`),
      max_temp_directory_size: q.max_temp_directory_size,
    },
    sql: {
      maxMemoryBytes: parseSize(q.max_memory)!,
      maxConcurrent: q.max_concurrent_sql,
      maxResultBytes: parseSize(q.max_result_bytes)!,
      tempRoot,
      maxTempDirectorySize: q.max_temp_directory_size,
    },
    logSampleCacheBytes: parseSize(q.log_sample_cache)!,
  };
}
