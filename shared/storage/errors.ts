/** Typed storage errors: callers branch on the class, operators read the message. */
export class InvalidPathSegmentError extends Error {
  constructor(what: string, value: string, reason: string) {
    super(`invalid ${what} ${JSON.stringify(value)}: ${reason}`);
    this.name = "InvalidPathSegmentError";
  }
}

export class InvalidBlobKeyError extends Error {
  constructor(key: string, reason: string) {
    super(`invalid blob key ${JSON.stringify(key)}: ${reason}`);
    this.name = "InvalidBlobKeyError";
  }
}

export class NotAParquetPathError extends Error {
  constructor(path: string, reason: string) {
    super(`not a Signalbox Parquet path ${JSON.stringify(path)}: ${reason}`);
    this.name = "NotAParquetPathError";
  }
}
