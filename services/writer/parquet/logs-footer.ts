/**
 * What a logs file's footer says of its lines, for the querier to skip per-row work: the
 * `service_name` values whose every line is plain logfmt (shared/loki/plain-logfmt.ts). An
 * optional key: without it a reader tests every row, as it does for older files.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { RecordBatch } from "apache-arrow";
import { quoteLiteral } from "../../../shared/duckdb/index.ts";
import { PLAIN_LOGFMT_SERVICES_KEY, plainLogfmtServices, readPlainLogfmtServices } from "../../../shared/loki/index.ts";

/** The footer facts of a flush's batches. */
export function logsFooterFacts(batches: readonly RecordBatch[]): Record<string, string> {
  return plainServicesFact(plainLogfmtServices(batches));
}

/**
 * The footer facts of a file merged from `paths` (compaction): a service is plain in the
 * output when every input holding rows of it lists it. Rows a merge leaves out (a batch held
 * twice, rows past retention) only make that truer, so the inputs' rows decide.
 */
export async function mergedLogsFooterFacts(db: DuckDBConnection, paths: readonly string[]): Promise<Record<string, string>> {
  const listed = await readPlainLogfmtServices(db, paths);
  const candidates = [...new Set([...listed.values()].flatMap((s) => [...s]))];
  if (candidates.length === 0) return {};
  // Which inputs hold rows of each candidate: one read of the service column alone.
  const holders = await db.runAndReadAll(
    `SELECT DISTINCT service_name, filename FROM read_parquet([${paths.map(quoteLiteral).join(", ")}], hive_partitioning = false, union_by_name = true, filename = true)
     WHERE service_name IN (${candidates.map(quoteLiteral).join(", ")})`,
  );
  const plain = new Set(candidates);
  for (const [service, file] of holders.getRows() as [string, string][]) if (!listed.get(file)?.has(service)) plain.delete(service);
  return plainServicesFact([...plain].sort());
}

function plainServicesFact(services: readonly string[]): Record<string, string> {
  return services.length === 0 ? {} : { [PLAIN_LOGFMT_SERVICES_KEY]: JSON.stringify(services) };
}
