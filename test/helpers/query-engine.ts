/** One QueryEngine + trace fixture per test file, and a terse way to run tickets. */
import type { Table } from "apache-arrow";
import { QueryEngine, type QuerySources, type TableSources } from "../../services/querier/engine/index.ts";
import { createLogger } from "../../shared/log/index.ts";
import { parseTicket, type TicketInput } from "../../shared/query/index.ts";
import { tempDir, writeParquet } from "./query-fixtures.ts";
import { traceFixture } from "./query-trace-data.ts";

export interface QueryHarness {
  engine: QueryEngine;
  traces: QuerySources;
  dir: string;
  run(ticket: Record<string, unknown>, sources?: QuerySources | TableSources): Promise<Table>;
  rows(ticket: Record<string, unknown>, sources?: QuerySources | TableSources): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** Quiet logger: tests assert on results, not log lines. */
export const quietLog = () => createLogger({ level: "error", sink: () => {} });

export async function openHarness(opts: { timeoutMs?: number; maxRows?: number } = {}): Promise<QueryHarness> {
  const { dir, cleanup } = tempDir();
  const fx = traceFixture();
  const files: string[] = [];
  for (const batches of fx.fileBatches) files.push(await writeParquet(dir, "traces", batches));
  const traces: QuerySources = { files, live: fx.live };
  const engine = await QueryEngine.open({ log: quietLog(), ...opts });
  const run = (ticket: Record<string, unknown>, sources: QuerySources | TableSources = traces) =>
    engine.execute(parseTicket({ org: "acme", bucket: "default", ...ticket } as TicketInput), sources);
  return {
    engine,
    traces,
    dir,
    run,
    rows: async (ticket, sources) => (await run(ticket, sources)).toArray().map((r) => r.toJSON() as Record<string, unknown>),
    close: async () => {
      await engine.close();
      cleanup();
    },
  };
}
