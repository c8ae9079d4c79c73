/** Typed WAL errors. */
export class WalClosedError extends Error {
  constructor() {
    super("write-ahead log is closed");
    this.name = "WalClosedError";
  }
}

/**
 * A write or fsync failed. After that the file's durable content is unknown (a failed fsync
 * may have dropped dirty pages), so the log refuses every further append; the process must
 * reopen the log (recovery scans and cuts the tail) before acknowledging anything again.
 */
export class WalFailedError extends Error {
  constructor(cause: unknown) {
    super(`write-ahead log failed and refuses further appends: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "WalFailedError";
  }
}

export class WalRecordTooLargeError extends Error {
  constructor(bytes: number, max: number) {
    super(`WAL record of ${bytes} bytes exceeds the ${max}-byte limit`);
    this.name = "WalRecordTooLargeError";
  }
}

/** A record whose bytes are intact (CRC matches) but whose content cannot be decoded. */
export class WalRecordDecodeError extends Error {
  constructor(reason: string) {
    super(`WAL record cannot be decoded: ${reason}`);
    this.name = "WalRecordDecodeError";
  }
}
