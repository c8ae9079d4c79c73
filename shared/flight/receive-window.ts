/**
 * HTTP/2 receive windows for Flight: 16 MiB instead of the protocol's 64 KiB, on both ends.
 *
 * With 64 KiB the sender of a multi-MiB message stops every 64 KiB until the receiver's
 * WINDOW_UPDATE arrives, and on grpc-js over Bun each of those rounds costs both processes
 * CPU. Measured with the acceptor's batches (1,024 spans, 1.3 MB) over DoPut between two
 * processes: sender 7.6 → 4.0 and receiver 7.3 → 4.3 CPU s per million spans; 4 MiB batches
 * 159 → 367 MiB/s.
 *
 * The client side is a grpc-js channel option. grpc-js has none for servers, so each HTTP/2
 * session a server accepts is widened as it opens: its streams' initial window (a SETTINGS
 * frame) first, then the connection's. The two must be widened together: a connection
 * window wider than its streams' stalled DoPut calls outright on Bun (measured).
 *
 * The same SETTINGS frame lets senders use DATA frames of up to 1 MiB instead of 16 KiB:
 * fewer frames to cut and to reassemble, less CPU for a DoPut on each side (bench/flight.ts),
 * while a frame still passes quickly on loopback.
 */
import type { Server } from "@grpc/grpc-js";
import type { Http2Server, ServerHttp2Session } from "node:http2";

export const FLOW_CONTROL_WINDOW = 16 * 1024 * 1024;
export const MAX_FRAME_BYTES = 1024 * 1024;

/** The grpc-js internals this relies on: the HTTP/2 servers a Server listens with. */
interface GrpcServerInternals {
  http2Servers?: Map<Http2Server, unknown>;
}

/**
 * Widens the receive windows of every session `server` accepts from now on (call it once
 * bound). False when grpc-js no longer exposes its HTTP/2 servers this way (then nothing is
 * changed, and Flight works with the default windows, only more slowly).
 */
export function widenServerReceiveWindows(server: Server, window = FLOW_CONTROL_WINDOW): boolean {
  const servers = (server as unknown as GrpcServerInternals).http2Servers;
  if (!(servers instanceof Map) || servers.size === 0) return false;
  for (const http2Server of servers.keys()) {
    http2Server.on("session", (session: ServerHttp2Session) => {
      try {
        session.settings({ initialWindowSize: window, maxFrameSize: MAX_FRAME_BYTES });
        session.setLocalWindowSize(window);
      } catch {
        // A session closing as it opens: nothing to widen.
      }
    });
  }
  return true;
}
