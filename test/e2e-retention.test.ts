/**
 * Retention end to end, on local disk and on S3 (s3rver): rows older than the retention
 * vanish from every query API at once, and from storage within a compaction interval (and
 * the delete grace); younger rows are untouched; an org's override keeps its old rows.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { openCatalog, type CatalogRepository } from "../shared/catalog/index.ts";
import { FlightClient } from "../shared/flight/index.ts";
import { createLogger } from "../shared/log/index.ts";
import { LocalBlobStore, S3BlobStore, type BlobStore } from "../shared/storage/index.ts";
import { logsRequest, metricsRequest, postOtlp, traceIdOf, tracesRequest } from "./helpers/otlp-shifted.ts";
import { roleEnv, startRoleProcess, tempDir, type RoleProcess } from "./helpers/role-process.ts";
import { S3RVER_CREDENTIALS, startS3Server, type TestS3Server } from "./helpers/s3-server.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const HOUR_NS = 3_600_000_000_000n;
const SERVICE = "retention-e2e";
const OLD = 1; // request numbers: old rows (5 h ago) and young rows (1 h ago)
const YOUNG = 2;
const ORGS = ["acme", "keeper"] as const; // acme: the 3 h default; keeper: a 24 h override

for (const where of ["local", "s3"] as const) {
  describe(`retention on ${where} storage`, () => {
    const dir = tempDir(`retention-${where}`);
    let cluster: RoleProcess;
    let catalog: CatalogRepository;
    let store: BlobStore;
    let s3: TestS3Server | undefined;
    let router: string;
    let nowNs: bigint;

    const get = async (path: string, org: string) => {
      const response = await fetch(`http://${router}${path}`, { headers: { "X-Scope-OrgID": org } });
      return { status: response.status, body: (await response.json()) as any };
    };
    const sql = async (query: string, org: string) => {
      const response = await fetch(`http://${router}/api/v1/sql`, {
        method: "POST",
        headers: { "X-Scope-OrgID": org, "content-type": "application/json" },
        body: JSON.stringify({ sql: query }),
      });
      return ((await response.json()) as { rows: unknown[][] }).rows;
    };
    const seconds = (ns: bigint) => Number(ns / 1_000_000_000n);

    /** What each query API returns for an org: [trace by id found (old, young), searched traces, log lines, SQL rows]. */
    async function answers(org: string) {
      const from = nowNs - 6n * HOUR_NS;
      const search = await get(`/api/search?tags=service.name%3D${SERVICE}&limit=100&start=${seconds(from)}&end=${seconds(nowNs)}`, org);
      const loki = await get(`/loki/api/v1/query_range?query=${encodeURIComponent(`{service_name="${SERVICE}"}`)}&limit=1000&start=${from}&end=${nowNs}`, org);
      return {
        traceOld: (await get(`/api/v2/traces/${traceIdOf(OLD)}`, org)).status,
        traceYoung: (await get(`/api/v2/traces/${traceIdOf(YOUNG)}`, org)).status,
        searched: (search.body.traces as Array<{ traceID: string }>).length,
        logLines: (loki.body.data.result as Array<{ values: unknown[] }>).reduce((n, s) => n + s.values.length, 0),
        sql: [
          (await sql("SELECT count(*) FROM traces", org))[0]![0],
          (await sql("SELECT count(*) FROM logs", org))[0]![0],
          (await sql("SELECT count(*) FROM metrics", org))[0]![0],
        ],
      };
    }

    beforeAll(async () => {
      const dsn = `sqlite:${join(dir, "catalog.db")}`;
      let storageEnv: Record<string, string> = {};
      if (where === "s3") {
        s3 = await startS3Server();
        const prefix = `retention-${crypto.randomUUID().slice(0, 8)}`;
        storageEnv = s3.roleEnv(prefix);
        store = new S3BlobStore({ bucket: s3.bucket, prefix, endpoint: s3.endpoint, region: "us-east-1", ...S3RVER_CREDENTIALS });
      } else {
        store = new LocalBlobStore(join(dir, "data"));
      }
      cluster = await startRoleProcess(
        "monolith",
        roleEnv({
          ...storageEnv,
          SIGNALBOX_STORAGE_PATH: join(dir, "data"),
          SIGNALBOX_QUERIER_CACHE_PATH: join(dir, "cache"),
          SIGNALBOX_DISCOVERY_CATALOG_DSN: dsn,
          SIGNALBOX_WRITER_FLUSH_INTERVAL: "1h",
          SIGNALBOX_COMPACTION_INTERVAL: "1s",
          SIGNALBOX_COMPACTION_DELETE_GRACE: "1s",
          SIGNALBOX_RETENTION_DEFAULT: "3h",
          SIGNALBOX_RETENTION_OVERRIDES: JSON.stringify([{ org: "keeper", period: "24h" }]),
        }),
      );
      router = cluster.addresses["router.http"]!;
      catalog = await openCatalog(dsn, { log: createLogger({ level: "error", sink: () => {} }) });
      nowNs = BigInt(Date.now()) * 1_000_000n;
      const acceptor = cluster.addresses["acceptor.http"]!;
      const writer = new FlightClient(cluster.addresses["writer.flight"]!);
      // Old and young rows in separate flushes, and young ones only once the old ones are in files.
      for (const [request, at] of [[OLD, nowNs - 5n * HOUR_NS], [YOUNG, nowNs - HOUR_NS]] as const) {
        for (const org of ORGS) {
          const headers = { "X-Scope-OrgID": org };
          await postOtlp(acceptor, "traces", tracesRequest(request, 3, at, SERVICE), headers);
          await postOtlp(acceptor, "logs", logsRequest(request, 2, at, SERVICE), headers);
          await postOtlp(acceptor, "metrics", metricsRequest(request, 4, at, SERVICE), headers);
        }
        await writer.action("flush", {});
      }
      writer.close();
    }, 60_000);

    afterAll(async () => {
      await cluster?.kill();
      await catalog?.close();
      await s3?.dispose();
    });

    test("rows past retention are absent from every query API; younger rows and the overriding org's old rows are there", async () => {
      expect(await answers("acme")).toEqual({ traceOld: 404, traceYoung: 200, searched: 1, logLines: 2, sql: [3, 2, 4] });
      expect(await answers("keeper")).toEqual({ traceOld: 200, traceYoung: 200, searched: 2, logLines: 4, sql: [6, 4, 8] });
    });

    test("and their files leave the manifest and storage within a compaction interval and the grace", async () => {
      const cutoff = nowNs - 3n * HOUR_NS;
      const stored = async (org: string) => (await store.list(`${org}/`)).map((b) => b.key).filter((k) => k.endsWith(".parquet"));
      const acmeFiles = async () => {
        const files = [];
        for (const table of ["traces", "logs", "metrics"]) files.push(...(await catalog.listDataFiles({ orgId: "acme", bucket: "default", table })));
        return files;
      };
      let files = await acmeFiles();
      for (let waited = 0; waited < 15_000; waited += 250) {
        files = await acmeFiles();
        if (files.every((f) => BigInt(f.minTime) >= cutoff) && (await stored("acme")).length === files.length) break;
        await Bun.sleep(250);
      }
      expect(files).toHaveLength(3);
      expect(files.every((f) => BigInt(f.minTime) >= cutoff)).toBe(true);
      expect(new Set(await stored("acme"))).toEqual(new Set(files.map((f) => f.path)));
      // keeper's old rows are kept: its old and young files (or their compaction) are all there.
      const keeperRows = await sql("SELECT count(*) FROM traces", "keeper");
      expect(keeperRows).toEqual([[6]]);
      expect(await answers("acme")).toEqual({ traceOld: 404, traceYoung: 200, searched: 1, logLines: 2, sql: [3, 2, 4] });
    });
  });
}
