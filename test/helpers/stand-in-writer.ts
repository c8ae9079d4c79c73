/**
 * A querier's view of one writer for in-process tests: a real Flight server answering live
 * tickets with a test's handler, registered as a writer in a real (in-memory SQLite) catalog,
 * a resolver that finds it and a client pool — what services/querier/gather-sources.ts needs.
 */
import { openCatalog, type CatalogRepository } from "../../shared/catalog/index.ts";
import { loadConfig } from "../../shared/config/index.ts";
import { createResolver, type Resolver } from "../../shared/discovery/index.ts";
import { FlightClientPool, startFlightServer, type BatchSource, type FlightServer } from "../../shared/flight/index.ts";
import { liveTicket, type LiveTicket } from "../../shared/writepath/index.ts";
import { quietLog } from "./query-engine.ts";

export interface StandInWriter {
  catalog: CatalogRepository;
  resolver: Resolver;
  pool: FlightClientPool;
  server: FlightServer;
  close(): Promise<void>;
}

export async function startStandInWriter(answer: (ticket: LiveTicket) => BatchSource | Promise<BatchSource>): Promise<StandInWriter> {
  const log = quietLog();
  const catalog = await openCatalog("sqlite::memory:", { log });
  const server = await startFlightServer({
    host: "127.0.0.1",
    port: 0,
    log,
    handlers: { doGet: async (raw) => answer(liveTicket.parse(raw)) },
  });
  const now = Date.now();
  await catalog.register({ id: "writer-1", role: "writer", address: server.address, capabilities: [], meta: {}, startedAt: now, lastSeen: now });
  const resolver = await createResolver({ config: await loadConfig({ argv: [], env: {} }), catalog, log, nats: null });
  const pool = new FlightClientPool({});
  return {
    catalog,
    resolver,
    pool,
    server,
    async close() {
      await resolver.close();
      pool.closeAll();
      await server.close(1000);
      await catalog.close();
    },
  };
}
