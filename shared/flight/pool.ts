/**
 * One FlightClient (one HTTP/2 channel) per peer address, shared by all callers. After a
 * failure that marks the peer suspect, `drop` it so the next `get` dials afresh.
 */
import { FlightClient, type FlightClientOptions } from "./client.ts";

export class FlightClientPool {
  private readonly clients = new Map<string, FlightClient>();

  constructor(private readonly options: FlightClientOptions = {}) {}

  get(address: string): FlightClient {
    let client = this.clients.get(address);
    if (!client) {
      client = new FlightClient(address, this.options);
      this.clients.set(address, client);
    }
    return client;
  }

  drop(address: string): void {
    const client = this.clients.get(address);
    if (!client) return;
    this.clients.delete(address);
    client.close();
  }

  closeAll(): void {
    for (const address of [...this.clients.keys()]) this.drop(address);
  }

  get size(): number {
    return this.clients.size;
  }
}
