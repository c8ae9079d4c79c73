import type { RecordBatch } from "apache-arrow";
import type { Rejections } from "./rejections.ts";

/** The outcome of decoding one OTLP export request. */
export interface DecodedExport {
  /** Rows of the signal's table, every one with `batch_id` = the given batch id; null when none accepted. */
  batch: RecordBatch | null;
  accepted: number;
  rejected: number;
  /** For OTLP `partial_success.error_message`; set when `rejected > 0`. */
  rejectReason?: string;
}

export type OtlpFormat = "protobuf" | "json";

/** What a per-signal wire decoder returns. */
export interface DecodedRows {
  batch: RecordBatch | null;
  accepted: number;
  rejected: Rejections;
}
