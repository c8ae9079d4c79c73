/** A `logs` row → the Loki entry a client sees: stream labels, line, structured metadata. */
import type { Labels } from "../series/index.ts";
import { logLine } from "./log-line.ts";
import type { LokiLogFields } from "./log-row.ts";
import { ResourceSplitCache } from "./stream-labels.ts";
import { structuredMetadata } from "./structured-metadata.ts";

export interface LokiEntry {
  labels: Labels;
  /** The row's effective time: `time_unix_nano`, or the observed time when it is 0 (Loki's rule). */
  timestampNs: bigint;
  line: string;
  metadata: Labels;
}

export class LokiEntryReader {
  private readonly resources = new ResourceSplitCache();

  read(row: LokiLogFields): LokiEntry {
    const resource = this.resources.split(row);
    const line = logLine(row.body);
    return {
      labels: resource.labels,
      timestampNs: row.timeUnixNano !== 0n ? row.timeUnixNano : row.observedTimeUnixNano,
      line,
      metadata: structuredMetadata(row, resource, line),
    };
  }
}
