/** Raw OTLP requests for acceptor tests: bytes in, status and bytes out, no SDK in between. */
import * as grpc from "@grpc/grpc-js";
import protobuf from "protobufjs";
import type { TableName } from "../../shared/tables/index.ts";
import { OTLP_GRPC_EXPORT_PATHS } from "../../shared/otlp/index.ts";

export interface GrpcOutcome {
  code: grpc.status;
  details: string;
  response?: Buffer;
  /** The `grpc-status-details-bin` trailer (a google.rpc.Status), when the server sent one. */
  statusDetails?: Buffer;
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
        const details = err?.metadata?.get("grpc-status-details-bin")[0];
        if (err) resolve({ code: err.code, details: err.details, ...(Buffer.isBuffer(details) ? { statusDetails: details } : {}) });
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

const RETRY_INFO_TYPE = "type.googleapis.com/google.rpc.RetryInfo";

/** Reads the RetryInfo delay out of an encoded google.rpc.Status (what an OTLP client does). */
export function decodeRetryDelayMs(status: Uint8Array): number | undefined {
  const r = protobuf.Reader.create(status);
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag !== ((3 << 3) | 2)) {
      r.skipType(tag & 7);
      continue;
    }
    const any = protobuf.Reader.create(r.bytes());
    let typeUrl = "";
    let value: Uint8Array | undefined;
    while (any.pos < any.len) {
      const t = any.uint32();
      if (t === ((1 << 3) | 2)) typeUrl = any.string();
      else if (t === ((2 << 3) | 2)) value = any.bytes();
      else any.skipType(t & 7);
    }
    if (typeUrl !== RETRY_INFO_TYPE || !value) continue;
    const info = protobuf.Reader.create(value);
    let ms = 0;
    while (info.pos < info.len) {
      const t = info.uint32();
      if (t !== ((1 << 3) | 2)) {
        info.skipType(t & 7);
        continue;
      }
      const d = protobuf.Reader.create(info.bytes());
      while (d.pos < d.len) {
        const dt = d.uint32();
        if (dt === ((1 << 3) | 0)) ms += Number(d.int64()) * 1000;
        else if (dt === ((2 << 3) | 0)) ms += d.int32() / 1_000_000;
        else d.skipType(dt & 7);
      }
    }
    return ms;
  }
  return undefined;
}
