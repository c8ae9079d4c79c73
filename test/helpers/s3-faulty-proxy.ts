/**
 * A TCP proxy in front of the test S3 server that can fail *in the middle of an upload*:
 * `failAfterBytes(n)` lets n more request bytes through, then drops every connection and
 * refuses new ones (the server "died" mid-PUT) until `restore()`. Deterministic, unlike
 * cutting on a timer. Backpressure: bytes a socket did not take wait for its drain.
 */
import type { Socket } from "bun";

interface Pipe {
  client: Socket<Pipe>;
  upstream: Socket<Pipe> | null;
  toServer: Uint8Array[];
  toClient: Uint8Array[];
}

export interface FaultyProxy {
  readonly port: number;
  readonly isDown: boolean;
  /** Request bytes forwarded so far. */
  readonly forwarded: number;
  failAfterBytes(n: number): void;
  restore(): void;
  close(): void;
}

function flush(socket: Socket<Pipe> | null, queue: Uint8Array[]): void {
  if (!socket) return;
  while (queue.length > 0) {
    const head = queue[0]!;
    const written = socket.write(head);
    if (written === head.length) queue.shift();
    else {
      if (written > 0) queue[0] = head.subarray(written);
      return;
    }
  }
}

export function startFaultyProxy(targetPort: number): FaultyProxy {
  const pipes = new Set<Pipe>();
  let down = false;
  let budget = Infinity;
  let forwarded = 0;
  const drop = (pipe: Pipe) => {
    pipes.delete(pipe);
    pipe.upstream?.terminate();
    pipe.client.terminate();
  };
  const goDown = () => {
    down = true;
    for (const pipe of [...pipes]) drop(pipe);
  };
  const listener = Bun.listen<Pipe>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        if (down) return void client.terminate();
        const pipe: Pipe = { client, upstream: null, toServer: [], toClient: [] };
        client.data = pipe;
        pipes.add(pipe);
        Bun.connect<Pipe>({
          hostname: "127.0.0.1",
          port: targetPort,
          data: pipe,
          socket: {
            open(upstream) {
              if (!pipes.has(pipe)) return void upstream.terminate();
              pipe.upstream = upstream;
              flush(upstream, pipe.toServer);
            },
            data(_u, chunk) {
              pipe.toClient.push(new Uint8Array(chunk));
              flush(pipe.client, pipe.toClient);
            },
            drain(upstream) {
              flush(upstream, pipe.toServer);
            },
            close: () => drop(pipe),
            error: () => drop(pipe),
          },
        }).catch(() => drop(pipe));
      },
      data(client, chunk) {
        const pipe = client.data;
        if (down) return;
        const allowed = Math.min(chunk.length, budget);
        pipe.toServer.push(new Uint8Array(chunk.subarray(0, allowed)));
        flush(pipe.upstream, pipe.toServer);
        forwarded += allowed;
        budget -= allowed;
        if (budget <= 0) goDown();
      },
      drain(client) {
        flush(client, client.data.toClient);
      },
      close(client) {
        if (client.data) drop(client.data);
      },
      error(client) {
        if (client.data) drop(client.data);
      },
    },
  });
  return {
    port: listener.port,
    get isDown() {
      return down;
    },
    get forwarded() {
      return forwarded;
    },
    failAfterBytes(n: number) {
      budget = n;
      if (n <= 0) goDown();
    },
    restore() {
      budget = Infinity;
      down = false;
    },
    close() {
      goDown();
      listener.stop(true);
    },
  };
}
