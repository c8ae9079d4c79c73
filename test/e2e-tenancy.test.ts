/**
 * Tenancy end to end: with bearer tokens for two orgs, nothing one org sent can be read by
 * the other through any endpoint — Tempo, Loki, SQL (including SQL that tries to reach the
 * other org's files) — while each org reads its own data.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { FlightClient } from "../shared/flight/index.ts";
import { sendTrace } from "./helpers/otel-trace.ts";
import { roleEnv, startRoleProcess, tempDir, type RoleProcess } from "./helpers/role-process.ts";

// Every SQL query starts in a sandbox process of its own: slow on a loaded machine.
setDefaultTimeout(60_000);

const dir = tempDir("tenancy");
const storage = join(dir, "data");
const TOKENS = [
  { token: "token-acme-123456", org: "acme", scopes: ["ingest", "query"] },
  { token: "token-globex-123456", org: "globex", scopes: ["ingest", "query"] },
];
const CLUSTER_SECRET = `secret-${crypto.randomUUID()}`;
const ACME_TRACE = "5b8efff798038103d269b633813fc60c"; // from the reference payload
let cluster: RoleProcess;
let router: string;
let globexTrace: string;

const as = (token: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });
const ACME = as(TOKENS[0]!.token);
const GLOBEX = as(TOKENS[1]!.token);

async function get(path: string, headers: Record<string, string>) {
  const response = await fetch(`http://${router}${path}`, { headers });
  return { status: response.status, body: (await response.json()) as any };
}

async function sql(query: string, headers: Record<string, string>) {
  const response = await fetch(`http://${router}/api/v1/sql`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({ sql: query }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

beforeAll(async () => {
  cluster = await startRoleProcess(
    "monolith",
    roleEnv({
      SIGNALBOX_STORAGE_PATH: storage,
      SIGNALBOX_AUTH_TOKENS: JSON.stringify(TOKENS),
      SIGNALBOX_CLUSTER_SECRET: CLUSTER_SECRET,
      SIGNALBOX_WRITER_FLUSH_INTERVAL: "1h",
    }),
  );
  router = cluster.addresses["router.http"]!;
  const acceptor = cluster.addresses["acceptor.http"]!;
  for (const signal of ["traces", "logs", "metrics"]) {
    const body = await Bun.file(join(import.meta.dir, "fixtures/otlp", `${signal === "traces" ? "trace" : signal}.json`)).text();
    const response = await fetch(`http://${acceptor}/v1/${signal}`, { method: "POST", headers: { ...ACME, "content-type": "application/json" }, body });
    expect(response.status).toBe(200);
  }
  globexTrace = (await sendTrace(acceptor, "checkout", GLOBEX)).traceId;
  // Half of it in Parquet, so both storage paths are exercised.
  await new FlightClient(cluster.addresses["writer.flight"]!, { secret: CLUSTER_SECRET }).action("flush", {});
}, 90_000); // a monolith start, three exports and a flush, on a loaded machine

afterAll(async () => {
  await cluster?.kill();
});

describe("an org reads its own data", () => {
  test("trace by id, search, tags, logs and SQL", async () => {
    expect((await get(`/api/v2/traces/${ACME_TRACE}`, ACME)).status).toBe(200);
    expect((await get(`/api/search?tags=service.name%3Dmy.service`, ACME)).body.traces).toHaveLength(1);
    expect((await get(`/api/search/tag/service.name/values`, ACME)).body.tagValues).toContain("my.service");
    const logs = await get(`/loki/api/v1/query_range?query=${encodeURIComponent('{service_name="my.service"}')}&start=1544700000&end=1544800000`, ACME);
    expect(logs.body.data.result.length).toBeGreaterThan(0);
    expect((await sql("select count(*) as n from traces", ACME)).body.rows).toEqual([[1]]);
    expect((await sql("select count(*) as n from traces", GLOBEX)).body.rows).toEqual([[2]]);
  }, 60_000); // each SQL query starts in a process of its own
});

describe("another org reads nothing of it", () => {
  test("trace by id is 404", async () => {
    expect((await get(`/api/traces/${ACME_TRACE}`, GLOBEX)).status).toBe(404);
    expect((await get(`/api/v2/traces/${ACME_TRACE}`, GLOBEX)).status).toBe(404);
    expect((await get(`/api/v2/traces/${globexTrace}`, ACME)).status).toBe(404);
  });

  test("search by tags and by TraceQL finds nothing", async () => {
    expect((await get(`/api/search?tags=service.name%3Dmy.service`, GLOBEX)).body.traces).toEqual([]);
    const q = encodeURIComponent('{ resource.service.name = "my.service" }');
    expect((await get(`/api/search?q=${q}`, GLOBEX)).body.traces).toEqual([]);
    const all = (await get(`/api/search?q=${encodeURIComponent("{}")}`, GLOBEX)).body.traces as Array<{ traceID: string }>;
    expect(all.map((t) => t.traceID)).not.toContain(ACME_TRACE);
  });

  test("tag names and values do not leak", async () => {
    expect(JSON.stringify((await get(`/api/search/tags`, GLOBEX)).body)).not.toContain("my.span.attr");
    expect(JSON.stringify((await get(`/api/v2/search/tags`, GLOBEX)).body)).not.toContain("my.span.attr");
    expect((await get(`/api/search/tag/service.name/values`, GLOBEX)).body.tagValues).not.toContain("my.service");
    expect(JSON.stringify((await get(`/api/v2/search/tag/resource.service.name/values`, GLOBEX)).body)).not.toContain("my.service");
  });

  test("Loki query_range, labels and label values do not leak", async () => {
    const logs = await get(`/loki/api/v1/query_range?query=${encodeURIComponent('{service_name="my.service"}')}&start=1544700000&end=1544800000`, GLOBEX);
    expect(logs.status).toBe(200);
    expect(logs.body.data.result).toEqual([]);
    expect((await get(`/loki/api/v1/label/service_name/values?start=0`, GLOBEX)).body.data ?? []).not.toContain("my.service");
  });

  test("SQL sees only the caller's rows", async () => {
    const traces = await sql("select distinct service_name from traces", GLOBEX);
    expect(traces.body.rows).toEqual([["checkout"]]);
    expect((await sql("select count(*) from logs", GLOBEX)).body.rows).toEqual([[0]]);
    expect((await sql("select count(*) from metrics", GLOBEX)).body.rows).toEqual([[0]]);
  });

  test("SQL cannot reach the other org's files or the filesystem", async () => {
    for (const escape of [
      `select * from read_parquet('${storage}/acme/**/*.parquet')`,
      `select * from read_parquet('${join(storage, "acme")}/default/traces/*/*/*.parquet')`,
      `select * from glob('${storage}/**')`,
      `select * from read_csv('/etc/passwd')`,
      `select * from read_text('/etc/passwd')`,
    ]) {
      const result = await sql(escape, GLOBEX);
      expect([400, 403]).toContain(result.status);
      expect(result.body.error).toBeString();
    }
    for (const statement of ["attach '/tmp/x.db' as x", `copy traces to '${dir}/leak.csv'`, "set enable_external_access = true", "install httpfs", "load httpfs"]) {
      const result = await sql(statement, GLOBEX);
      expect(result.status).toBe(400);
    }
  });

  test("a token used for another org is 403 on every endpoint; no token is 401", async () => {
    const spoof = as(TOKENS[1]!.token, { "x-scope-orgid": "acme" });
    for (const path of [
      `/api/traces/${ACME_TRACE}`,
      `/api/v2/traces/${ACME_TRACE}`,
      "/api/search?tags=service.name%3Dmy.service",
      "/api/search/tags",
      "/api/v2/search/tags",
      "/api/search/tag/service.name/values",
      "/api/v2/search/tag/service.name/values",
      `/loki/api/v1/query_range?query=${encodeURIComponent("{}")}`,
      "/loki/api/v1/labels",
      "/loki/api/v1/label/service_name/values",
    ]) {
      expect({ path, status: (await get(path, spoof)).status }).toEqual({ path, status: 403 });
      expect({ path, status: (await get(path, {})).status }).toEqual({ path, status: 401 });
    }
    expect((await sql("select 1", spoof)).status).toBe(403);
  });
});
