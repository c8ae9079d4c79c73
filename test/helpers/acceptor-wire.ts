/** Raw OTLP requests for acceptor tests: bytes in, status and bytes out, no SDK in between. */
import * as grpc from "@grpc/grpc-js";
import protobuf from "protobufjs";
import { type TableName } from "../../shared/tables/index.ts";
import { OTLP_GRPC_EXPORT_PATHS } from "../../shared/otlp/index.ts";

export interface GrpcOutcome {
  code: grpc.status;
  details: string;
  response?: Buffer;
}

/** One unary Export call with the given raw protobuf body and metadata. */
export function grpcExport(
  address: string,
  signal: TableName,
  body: Uint8Array,
  metadata: Record<string, string> = {},
  options: grpc.ChannelOptions = {},
): Promise<GrpcOutcome> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), {
    "grpc.max_send_message_length": -1,
    ...options,
  });
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      OTLP_GRPC_EXPORT_PATHS[signal],
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      md,
      (err, response) => {
        client.close();
        if (err) resolve({ code: err.code, details: err.details });
        else resolve({ code: grpc.status.OK, details: "", response });
      },
    );
  });
}

/** google.rpc.Status { int32 code = 1; string message = 2; } from protobuf bytes. */
export function decodeStatusProto(bytes: Uint8Array): { code: number; message: string } {
  const reader = protobuf.Reader.create(bytes);
  let code = 0;
  let message = "";
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1) code = reader.int32();
    else if (tag >>> 3 === 2) message = reader.string();
    else reader.skipType(tag & 7);
  }
  return { code, message };
}
