/**
 * A client that keeps sending small OTLP/JSON span batches to the acceptor over several
 * buckets (so they spread over shards), recording every span id the acceptor acknowledged
 * and every failure status — and reads them back through the router's SQL API.
 */
import { tracePayload } from "./otlp-json.ts";
export interface IngestTally {
  acked: Map<string, string[]>;
  ackedCount: number;
  statuses: Map<number, number>;
  errors: number;
}

let spanCounter = 0;

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, "0").slice(-width);
}

export function bucketNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `b${i}`);
}

/** Sends until `stop()`; each request carries `spansPerRequest` new span ids. */
export function startIngest(acceptorHttp: string, options: { buckets: string[]; concurrency: number; spansPerRequest: number; timeoutMs?: number }) {
  const tally: IngestTally = { acked: new Map(options.buckets.map((b) => [b, []])), ackedCount: 0, statuses: new Map(), errors: 0 };
  let running = true;
  const loop = async (worker: number) => {
    let n = 0;
    while (running) {
      const bucket = options.buckets[(worker + n++) % options.buckets.length]!;
      const ids = Array.from({ length: options.spansPerRequest }, () => hex(++spanCounter, 8) + hex(process.pid, 8));
      try {
        const response = await fetch(`http://${acceptorHttp}/v1/traces`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-signalbox-bucket": bucket },
          body: tracePayload(ids, "chaos"),
          signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
        });
        await response.arrayBuffer();
        tally.statuses.set(response.status, (tally.statuses.get(response.status) ?? 0) + 1);
        if (response.status === 200) {
          tally.acked.get(bucket)!.push(...ids);
          tally.ackedCount += ids.length;
        }
      } catch {
        tally.errors++;
      }
    }
  };
  const loops = Array.from({ length: options.concurrency }, (_, i) => loop(i));
  return {
    tally,
    async stop(): Promise<IngestTally> {
      running = false;
      await Promise.all(loops);
      return tally;
    },
  };
}

/** Every span id of a bucket as the query API returns it (with repeats, if any). */
export async function querySpanIds(routerHttp: string, bucket: string): Promise<string[]> {
  const response = await fetch(`http://${routerHttp}/api/v1/sql`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-signalbox-bucket": bucket },
    body: JSON.stringify({ sql: "select span_id from traces" }),
  });
  if (response.status !== 200) throw new Error(`SQL answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { rows: string[][] };
  return body.rows.map((r) => r[0]!);
}

/** Acked ids missing from the answer, and ids the answer repeats. */
export function compareIds(acked: string[], returned: string[]): { missing: number; duplicates: number } {
  const counts = new Map<string, number>();
  for (const id of returned) counts.set(id, (counts.get(id) ?? 0) + 1);
  let missing = 0;
  for (const id of acked) if (!counts.has(id)) missing++;
  let duplicates = 0;
  for (const n of counts.values()) if (n > 1) duplicates += n - 1;
  return { missing, duplicates };
}
