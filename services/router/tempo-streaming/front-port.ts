/**
 * The streaming port: Tempo serves HTTP/1.1 and h2c gRPC on one port, and Grafana's Tempo
 * data source dials its gRPC client at the host:port of the data source URL. Bun.serve does
 * not speak h2c (an HTTP/2 prior-knowledge request gets its connection closed), so this
 * port listens with node:net and looks at each connection's first bytes: the HTTP/2
 * connection preface goes to the grpc-js server (its connection injector), anything else is
 * relayed byte for byte to the router's HTTP listener. Pointing the data source at this port
 * gives Grafana both APIs at one URL.
 */
import * as grpc from "@grpc/grpc-js";
import net from "node:net";
import type { Logger } from "../../../shared/log/index.ts";

const HTTP2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
/** How long a new connection may take to send the bytes that tell HTTP/2 from HTTP/1.1. */
const FIRST_BYTES_TIMEOUT_MS = 30_000;

export interface FrontPort {
  address: string;
  close(): Promise<void>;
}

export async function startFrontPort(options: {
  host: string;
  port: number;
  server: grpc.Server;
  /** Where HTTP/1.1 connections are relayed (the router's Bun.serve listener). */
  http: { host: string; port: number };
  log: Logger;
}): Promise<FrontPort> {
  const injector = options.server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const sockets = new Set<net.Socket>();
  const listener = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    // A connection that never says which protocol it speaks is not kept.
    socket.setTimeout(FIRST_BYTES_TIMEOUT_MS, () => socket.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const n = Math.min(head.length, HTTP2_PREFACE.length);
      const isHttp2 = head.subarray(0, n).equals(HTTP2_PREFACE.subarray(0, n));
      // Undecided until the preface is complete or a byte differs from it.
      if (isHttp2 && head.length < HTTP2_PREFACE.length) return;
      socket.off("data", onData);
      socket.setTimeout(0);
      socket.pause();
      if (isHttp2) {
        socket.unshift(head);
        injector.injectConnection(socket);
        socket.resume();
      } else {
        relay(socket, head, options.http, options.log);
      }
    };
    socket.on("data", onData);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(options.port, options.host, () => {
      listener.off("error", reject);
      resolve();
    });
  });
  const bound = listener.address() as net.AddressInfo;
  return {
    address: `${options.host}:${bound.port}`,
    async close() {
      await new Promise<void>((resolve) => {
        listener.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      injector.destroy();
    },
  };
}

/** An HTTP/1.1 connection, relayed to the HTTP listener with the bytes already read. */
function relay(socket: net.Socket, head: Buffer, http: { host: string; port: number }, log: Logger): void {
  let connected = false;
  const upstream = net.connect(http.port, http.host, () => {
    connected = true;
    upstream.write(head);
    socket.pipe(upstream);
    upstream.pipe(socket);
    socket.resume();
  });
  upstream.on("error", (err) => {
    // Once connected, an error is the connection's end, not news.
    if (!connected) log.warn("streaming.http_relay_failed", { http: `${http.host}:${http.port}`, err });
    socket.destroy();
  });
  socket.on("close", () => upstream.destroy());
  upstream.on("close", () => socket.destroy());
}
