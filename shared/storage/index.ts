/** Storage: the Parquet key layout, the BlobStore interface and its local implementation. */
export { parquetPath, parseParquetPath, tablePrefix, timePartition, type ParquetLocation } from "./layout.ts";
export { encodePathSegment, decodePathSegment, MAX_SEGMENT_BYTES } from "./segment-codec.ts";
export { BlobNotFoundError, type BlobInfo, type BlobStore } from "./blob-store.ts";
export { LocalBlobStore, validateKey } from "./local.ts";
export { durableRename, ensureDirDurable, fsyncDir, fsyncFile, isTempName, tempPathFor } from "./durable-fs.ts";
export { InvalidBlobKeyError, InvalidPathSegmentError, NotAParquetPathError } from "./errors.ts";
