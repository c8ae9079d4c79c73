/** Typed WAL errors. */
export class WalClosedError extends Error {
  constructor() {
    super("write-ahead log is closed");
    this.name = "WalClosedError";
  }
}

/**
 * The log cannot append right now: a write or fsync failed (a full disk, an I/O error). The
 * batch is not durable and must not be acknowledged; the caller should answer "retry later".
 * The log itself recovers: the segment that failed is cut back to its durable length and
 * retired, and the next append (or the log's own probe) starts a fresh segment.
 */
export class WalUnavailableError extends Error {
  constructor(readonly reason: string, options?: { cause?: unknown }) {
    super(`write-ahead log cannot append (${reason}); retry once the disk accepts writes again`, options);
    this.name = "WalUnavailableError";
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
