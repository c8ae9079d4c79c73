/**
 * Loki's `stats` object (grafana/loki `pkg/logqlmodel/stats/stats.proto`, JSON names) from
 * what the querier measured. Signalbox has no chunks, caches or ingesters: their counters
 * are zero; the summary, the querier's decompressed lines and bytes are real.
 */
import type { LogQLStats } from "../../../../shared/query/index.ts";

const cache = () => ({ entriesFound: 0, entriesRequested: 0, entriesStored: 0, bytesReceived: 0, bytesSent: 0, requests: 0, downloadTime: 0, queryLengthServed: 0 });

function store(lines: number, bytes: number) {
  return {
    totalChunksRef: 0,
    totalChunksDownloaded: 0,
    chunksDownloadTime: 0,
    queryReferencedStructuredMetadata: false,
    queryUsedV2Engine: false,
    chunk: {
      headChunkBytes: 0, headChunkLines: 0, decompressedBytes: bytes, decompressedLines: lines, compressedBytes: 0,
      totalDuplicates: 0, postFilterLines: lines, headChunkStructuredMetadataBytes: 0, decompressedStructuredMetadataBytes: 0,
    },
    chunkRefsFetchTime: 0,
    congestionControlLatency: 0,
    pipelineWrapperFilteredLines: 0,
  };
}

export function lokiStats(measured: LogQLStats | undefined, entriesReturned: number, routerSeconds: number) {
  const lines = measured?.linesProcessed ?? 0;
  const bytes = measured?.bytesProcessed ?? 0;
  const execTime = Math.max(routerSeconds, measured?.execTimeSeconds ?? 0);
  const perSecond = (n: number) => (execTime > 0 ? Math.round(n / execTime) : 0);
  return {
    summary: {
      bytesProcessedPerSecond: perSecond(bytes),
      linesProcessedPerSecond: perSecond(lines),
      totalBytesProcessed: bytes,
      totalLinesProcessed: lines,
      execTime,
      queueTime: 0,
      subqueries: 0,
      totalEntriesReturned: entriesReturned,
      splits: 0,
      shards: 0,
      totalPostFilterLines: lines,
      totalStructuredMetadataBytesProcessed: 0,
    },
    querier: { store: store(lines, bytes), querierExecTime: measured?.execTimeSeconds ?? 0 },
    ingester: { totalReached: 0, totalChunksMatched: 0, totalBatches: 0, totalLinesSent: 0, store: store(0, 0) },
    cache: {
      chunk: cache(), index: cache(), result: cache(), statsResult: cache(), volumeResult: cache(), seriesResult: cache(),
      labelResult: cache(), instantMetricResult: cache(), logResult: cache(), taskResult: cache(),
    },
    index: { totalChunks: 0, postFilterChunks: 0, shardsDuration: 0, usedBloomFilters: false, totalStreams: 0, chunkRefsLookupTime: 0, bloomFilterTime: 0 },
  };
}
