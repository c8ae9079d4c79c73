/**
 * Queries while the writer holds many acknowledged, not yet flushed spans (issue #5): the
 * live rows a search must read besides the Parquet files. OTLP/HTTP traces go through an
 * acceptor into a writer whose flush is held off, then a querier and a router answer
 * searches and trace lookups, each role in its own process. Prints the first query (the
 * querier fetches every live batch) and p50/p99 of the following ones (only new batches).
 *
 * usage: bun bench/query-live.ts [--seconds 6] [--iterations 15] [--buffer-bytes 2000000000]
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { roleEnv, startRoleProcess } from "../test/helpers/role-process.ts";
import { startIngestCluster } from "./lib/cluster.ts";
import { makeTracePayloads } from "./lib/otlp-traces.ts";
import { load1, measure, ms } from "./lib/query-timing.ts";
import { sendLoad } from "./lib/senders.ts";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "6" },
    iterations: { type: "string", default: "15" },
    // The default buffer (64 MiB) flushes every ~45k spans: hold them all to measure the worst case.
    "buffer-bytes": { type: "string", default: "2000000000" },
  },
});
const log = (line: string) => console.log(line);

const env = {
  SIGNALBOX_WRITER_FLUSH_INTERVAL: "1h",
  SIGNALBOX_WRITER_MAX_BUFFER_ROWS: "100000000",
  SIGNALBOX_WRITER_MAX_BUFFER_BYTES: args["buffer-bytes"],
};
log(`live-rows query bench: ingest ${args.seconds} s, writer buffer ${args["buffer-bytes"]} bytes, load ${load1()}`);
const cluster = await startIngestCluster({ env });
const shared = roleEnv({
  SIGNALBOX_DISCOVERY_CATALOG_DSN: `sqlite:${join(cluster.dir, "catalog.db")}`,
  SIGNALBOX_STORAGE_PATH: join(cluster.dir, "data"),
  // As the ingest cluster's roles: discovery ttl follows each observer's own heartbeat.
  SIGNALBOX_DISCOVERY_HEARTBEAT_INTERVAL: "30s",
  SIGNALBOX_LOG_LEVEL: "info",
  ...env,
});
const querier = await startRoleProcess("querier", shared);
const router = await startRoleProcess("router", shared);
try {
  const payloads = makeTracePayloads(200, 1024);
  log(`sending for ${args.seconds} s ...`);
  const sent = await sendLoad({
    url: `http://${cluster.otlpHttp}/v1/traces`, bodies: payloads.bodies, spansPerRequest: 1024, senders: 4, seconds: Number(args.seconds),
  });
  log(`acknowledged ${sent.okSpans.toLocaleString()} spans (${sent.errorRequests} failed requests)`);

  const base = `http://${router.addresses.http}`;
  const now = Math.floor(Date.now() / 1000);
  const range = `start=${now - 3600}&end=${now + 60}`;
  const get = async (path: string) => {
    const response = await fetch(base + path);
    const body = (await response.json()) as { traces?: Array<{ traceID: string }> };
    if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status} ${JSON.stringify(body).slice(0, 200)}`);
    return body;
  };
  let traceId = "";
  const cases: Array<[string, () => string]> = [
    ["TraceQL search", () => `/api/search?limit=20&${range}&q=${encodeURIComponent("{ span.http.response.status_code >= 500 }")}`],
    ["tag search", () => `/api/search?limit=20&${range}&tags=${encodeURIComponent("http.response.status_code=500")}`],
    ["recent traces", () => `/api/search?limit=20&${range}`],
    ["trace by id", () => `/api/traces/${traceId}`],
  ];
  for (const [name, path] of cases) {
    const t0 = performance.now();
    const body = await get(path());
    const first = performance.now() - t0;
    traceId ||= body.traces?.[0]?.traceID ?? "";
    const rest = await measure(Number(args.iterations), 1, () => get(path()));
    log(`${name.padEnd(15)} first ${ms(first).padStart(6)} ms | then p50 ${ms(rest.p50).padStart(5)} p99 ${ms(rest.p99).padStart(5)} ms (load ${load1()})`);
  }
  const executed = querier.lines.filter((l) => l.event === "query.executed" && l.kind === "search").at(-1);
  log(`querier: ${executed?.live_rows} live rows, ${executed?.files} files in the last search`);
} finally {
  await router.stop();
  await querier.stop();
  await cluster.stop();
}
