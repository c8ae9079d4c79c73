/** Prometheus remote write 1.0: the WriteRequest decoder (→ `metrics` rows) and snappy blocks. */
export { decodeRemoteWrite, decodeRemoteWriteProtobuf } from "./decode.ts";
export { snappyCompress, snappyUncompress, SnappyError, SnappyTooLargeError } from "./snappy.ts";
