/**
 * Which `service_name` values of a logs file hold only plain logfmt lines, as its writer
 * recorded in the footer (shared/loki/plain-logfmt.ts): a samples query (log-samples.ts)
 * skips the per-row plain-logfmt test on those rows. A file without the key (older writers)
 * or with a value this reader does not understand answers no service.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { quoteLiteral } from "../../../../shared/duckdb/index.ts";
import { parsePlainLogfmtServices, PLAIN_LOGFMT_SERVICES_KEY } from "../../../../shared/loki/index.ts";

export async function readPlainLogfmtServices(connection: DuckDBConnection, files: readonly string[]): Promise<Map<string, ReadonlySet<string>>> {
  const reader = await connection.runAndReadAll(
    `SELECT file_name, decode(value) FROM parquet_kv_metadata([${files.map(quoteLiteral).join(", ")}])
     WHERE decode(key) = ${quoteLiteral(PLAIN_LOGFMT_SERVICES_KEY)}`,
  );
  const out = new Map<string, ReadonlySet<string>>();
  for (const [file, value] of reader.getRows() as [string, string][]) {
    const services = parsePlainLogfmtServices(value);
    if (services.size > 0) out.set(file, services);
  }
  return out;
}
