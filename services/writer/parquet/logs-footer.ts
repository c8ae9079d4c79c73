/**
 * What a logs file's footer says of its lines, for the querier to skip per-row work: the
 * `service_name` values whose every line is plain logfmt (shared/loki/plain-logfmt.ts). An
 * optional key: without it a reader tests every row, as it does for older files.
 */
import type { RecordBatch } from "apache-arrow";
import { PLAIN_LOGFMT_SERVICES_KEY, plainLogfmtServices } from "../../../shared/loki/plain-logfmt.ts";

export function logsFooterFacts(batches: readonly RecordBatch[]): Record<string, string> {
  const services = plainLogfmtServices(batches);
  return services.length === 0 ? {} : { [PLAIN_LOGFMT_SERVICES_KEY]: JSON.stringify(services) };
}
