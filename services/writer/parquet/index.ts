/** The writer's Parquet path: Arrow batches → sorted zstd Parquet with self-describing footers. */
export { writeParquet, EmptyParquetWriteError, parquetOptions, ROW_GROUP_SIZE, type ParquetLayout, type WriteParquetArgs, type WriteParquetResult } from "./write.ts";
export {
  readParquetFooter,
  parseFooter,
  footerMetadata,
  footerFacts,
  kvMetadataSql,
  FOOTER_KEYS,
  FOOTER_FORMAT_VERSION,
  InvalidFooterError,
  type ParquetFooter,
} from "./footer.ts";
export { timeRange } from "./time-range.ts";
export { logsFooterFacts, mergedLogsFooterFacts } from "./logs-footer.ts";
