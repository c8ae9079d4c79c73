/**
 * A TCP proxy for outage tests: sits between a client and a real server (PostgreSQL, NATS)
 * so a test can cut the network without stopping a server other tests share.
 * `cut()` drops every open connection and stops listening, so new connections are refused
 * (ECONNREFUSED, as when a server is down); `restore()` listens again on the same port.
 * `blackhole()` keeps every connection open but silently drops the bytes both ways (a
 * firewall or a dead link: nothing is refused, nothing answers); `heal()` forwards again —
 * the connections that lost bytes meanwhile stay open, out of step with the server.
 */
import type { Socket } from "bun";

export interface TcpProxy {
  readonly port: number;
  readonly isCut: boolean;
  cut(): void;
  blackhole(): void;
  heal(): void;
  restore(): void;
  close(): void;
}

/** One direction of a connection: bytes the socket did not take yet wait for its drain. */
class Outbox {
  private queue: Uint8Array[] = [];
  constructor(private socket: Socket<any> | null = null) {}

  attach(socket: Socket<any>): void {
    this.socket = socket;
    this.drain();
  }

  write(chunk: Uint8Array): void {
    this.queue.push(new Uint8Array(chunk));
    this.drain();
  }

  drain(): void {
    const socket = this.socket;
    if (!socket) return;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const written = socket.write(head);
      if (written === head.length) this.queue.shift();
      else {
        if (written > 0) this.queue[0] = head.subarray(written);
        return;
      }
    }
  }
}

interface Connection {
  client: Socket<Connection>;
  toClient: Outbox;
  toServer: Outbox;
  upstream: Socket<Connection> | null;
}

export function startTcpProxy(target: { host: string; port: number }, listenHost = "127.0.0.1"): TcpProxy {
  let isCut = false;
  let dropping = false;
  const connections = new Set<Connection>();

  const drop = (connection: Connection) => {
    connections.delete(connection);
    connection.upstream?.terminate();
    connection.client.terminate();
  };

  const listen = (port: number) =>
    Bun.listen<Connection>({
      hostname: listenHost,
      port,
      socket: {
        open(client) {
          if (isCut) return void client.terminate();
          const connection: Connection = { client, toClient: new Outbox(client), toServer: new Outbox(), upstream: null };
          client.data = connection;
          connections.add(connection);
          Bun.connect<Connection>({
            hostname: target.host,
            port: target.port,
            data: connection,
            socket: {
              open(upstream) {
                if (!connections.has(connection)) return void upstream.terminate();
                connection.upstream = upstream;
                connection.toServer.attach(upstream);
              },
              data(_upstream, chunk) {
                if (!dropping) connection.toClient.write(chunk);
              },
              drain() {
                connection.toServer.drain();
              },
              close() {
                drop(connection);
              },
              error() {
                drop(connection);
              },
            },
          }).catch(() => drop(connection));
        },
        data(client, chunk) {
          if (!dropping) client.data.toServer.write(chunk);
        },
        drain(client) {
          client.data.toClient.drain();
        },
        close(client) {
          if (client.data) drop(client.data);
        },
        error(client) {
          if (client.data) drop(client.data);
        },
      },
    });
  let listener = listen(0);
  const port = listener.port;

  return {
    port,
    get isCut() {
      return isCut;
    },
    cut() {
      if (isCut) return;
      isCut = true;
      listener.stop(true);
      for (const connection of [...connections]) drop(connection);
    },
    blackhole() {
      dropping = true;
    },
    heal() {
      dropping = false;
    },
    restore() {
      if (!isCut) return;
      listener = listen(port);
      isCut = false;
    },
    close() {
      this.cut();
    },
  };
}
