/**
 * Tempo's gRPC streaming API on `router.grpc_port` (docs/traces-streaming.md): a grpc-js server fed by
 * the front port (front-port.ts), which also relays plain HTTP to the router's HTTP listener.
 */
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "../../../shared/log/index.ts";
import { startFrontPort, type FrontPort } from "./front-port.ts";
import { StreamingQuerierClient } from "./proto.ts";
import { streamingQuerierHandlers } from "./service.ts";
import type { LocalFetch } from "./search-stream.ts";

export interface TempoStreamingServer {
  address: string;
  close(graceMs: number): Promise<void>;
}

export async function startTempoStreaming(options: {
  host: string;
  port: number;
  http: { host: string; port: number };
  fetchLocal: () => LocalFetch | undefined;
  log: Logger;
}): Promise<TempoStreamingServer> {
  const server = new grpc.Server();
  server.addService(StreamingQuerierClient.service, streamingQuerierHandlers({ fetchLocal: options.fetchLocal, log: options.log }));
  let front: FrontPort;
  try {
    front = await startFrontPort({ host: options.host, port: options.port, server, http: options.http, log: options.log });
  } catch (err) {
    server.forceShutdown();
    throw err;
  }
  return {
    address: front.address,
    async close(graceMs) {
      // Calls in flight may finish within the grace; then every connection goes.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      await front.close();
    },
  };
}
