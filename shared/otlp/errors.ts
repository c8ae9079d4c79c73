/**
 * The request body could not be decoded at all (malformed protobuf or JSON, wrong shape).
 * The acceptor answers it with HTTP 400 / gRPC INVALID_ARGUMENT; clients must not retry.
 * Records that decode but are invalid (bad ids) are not errors: they are counted as rejected.
 */
export class OtlpDecodeError extends Error {
  override readonly name = "OtlpDecodeError";
}
