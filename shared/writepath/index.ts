export {
  writeDescriptor, writeAck, liveTicket, LIVE_BATCH_IDS_KEY, liveBatchId, shardMapDocument, SHARD_MAP_ACTION, staleMapError, writerEpochOf, WRITER_EPOCH_FACT,
} from "./descriptors.ts";
export type { WriteDescriptor, WriteAck, LiveTicket, ShardMapDocument } from "./descriptors.ts";
export { WriteUnavailableError } from "./errors.ts";
export { ReplicatedWriter } from "./replicated-writer.ts";
export type { BatchWrite } from "./replicated-writer.ts";
export { ShardMapClient } from "./shard-map-client.ts";
