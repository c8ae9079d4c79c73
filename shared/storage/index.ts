/** Storage: the Parquet key layout, the BlobStore interface and its local and S3 implementations. */
export { parquetPath, parseParquetPath, tablePrefix, timePartition, type ParquetLocation } from "./layout.ts";
export { encodePathSegment, decodePathSegment, MAX_SEGMENT_BYTES } from "./path-segment.ts";
export { BlobNotFoundError, type BlobInfo, type BlobStore } from "./blob-store.ts";
export { LocalBlobStore, validateKey } from "./local.ts";
export { isRemoteBlobStore, S3BlobStore, UploadVerificationError, type RemoteBlobStore, type S3BlobStoreOptions } from "./s3-store.ts";
export { DEFAULT_RETRY_POLICY, isPermanentStorageError, retryWithBackoff, StorageTimeoutError, type RetryPolicy } from "./s3-retry.ts";
export {
  DEFAULT_TAIL_BYTES,
  NotAParquetFileError,
  patchFooterStub,
  withFooterFile,
  writeFooterStub,
  type ByteRange,
  type FooterStub,
} from "./s3-footer-stub.ts";
export { InvalidStorageUrlError, openBlobStore, parseStorageUrl, type OpenBlobStoreOptions, type StorageLocation } from "./open-blob-store.ts";
export { durableRename, ensureDirDurable, fsyncDir, fsyncFile, isTempName, tempPathFor, writeFileDurably } from "./durable-fs.ts";
export { intoFolder, pruneEmptyFolders } from "./folders.ts";
export { InvalidBlobKeyError, InvalidPathSegmentError, NotAParquetPathError } from "./errors.ts";
