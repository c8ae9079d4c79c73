/** The writer's write-ahead log: durable, group-committed, segmented, crash-recovering. */
export { WriteAheadLog, DEFAULT_SEGMENT_BYTES, type WalHealth, type WalOptions, type WalStats, type WalSyncInfo } from "./wal.ts";
export type { WalEntry } from "./record.ts";
export { WalClosedError, WalUnavailableError, WalRecordTooLargeError, WalRecordDecodeError } from "./errors.ts";
export { WalLockedError } from "./dir-lock.ts";
export { crc32 } from "./crc32.ts";
