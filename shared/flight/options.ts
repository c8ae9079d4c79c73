/** Channel options shared by the Flight server and client. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export function messageSizeOptions(maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES): Record<string, number> {
  return {
    // grpc-js refuses messages over 4 MiB by default; one 8,192-row batch can exceed that.
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_send_message_length": maxMessageBytes,
  };
}
