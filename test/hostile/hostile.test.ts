/**
 * The hostile-input suite (issue #15): a monolith takes thousands of seeded, mutated OTLP
 * requests over every transport and hostile query texts in every query language. After the
 * run: no 5xx but 503, the process alive, a canary trace, log and metric written before the
 * run read back intact, and Parquet flushes succeeding for every org.
 *
 * Deterministic: SIGNALBOX_HOSTILE_SEED picks another run (the default is fixed); a failure
 * names the transport, signal and request index, which regenerate the same bytes.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { FlightClient } from "../../shared/flight/index.ts";
import { OTLP_GRPC_EXPORT_PATHS } from "../../shared/otlp/index.ts";
import { TABLE_NAMES, type TableName } from "../../shared/tables/index.ts";
import { canonicalTrace } from "../helpers/otlp-compare.ts";
import { exportRequest, gaugeMetric, idBytes, logRecord, span } from "../helpers/otlp-wire.ts";
import { roleEnv, startRoleProcess, tempDir, type RoleProcess } from "../helpers/role-process.ts";
import { fixtureJson, mutatedJson } from "./otlp-json.ts";
import { fixtureProtobuf, mutatedProtobuf } from "./otlp-protobuf.ts";
import { mutatedQuery, QUERY_LANGUAGES } from "./queries.ts";
import { INTEGRATION_TIMEOUT_MS } from "../helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const SEED = Number(process.env.SIGNALBOX_HOSTILE_SEED ?? 15_2026);
const REQUESTS_PER_SIGNAL_AND_TRANSPORT = 500;
const CONCURRENCY = 8;
const ORGS = ["h0", "h1", "h2", "h3"];
const CANARY = "canary";
const CANARY_TRACE = "5b8efff798038103d269b633813fc60c";

type Transport = "http-protobuf" | "http-json" | "grpc";

interface Offence {
  where: string;
  status: string;
}

let cluster: RoleProcess;
let storageDir: string;
let grpcClient: grpc.Client;
const offences: Offence[] = [];
const tally = new Map<string, number>();

beforeAll(async () => {
  // Storage on tmpfs when there is one: this run is about input, not fsync latency.
  storageDir = existsSync("/dev/shm") ? mkdtempSync("/dev/shm/sb-hostile-") : tempDir("hostile");
  cluster = await startRoleProcess(
    "monolith",
    roleEnv({ SIGNALBOX_STORAGE_PATH: join(storageDir, "data"), SIGNALBOX_WRITER_FLUSH_INTERVAL: "2s", SIGNALBOX_ACCEPTOR_MAX_BODY_BYTES: String(1 << 20) }),
  );
  grpcClient = new grpc.Client(cluster.addresses["acceptor.grpc"]!, grpc.credentials.createInsecure(), { "grpc.max_send_message_length": -1 });
}, 60_000);

afterAll(async () => {
  grpcClient?.close();
  await cluster?.kill();
  rmSync(storageDir, { recursive: true, force: true });
});

const url = (role: "acceptor" | "router", path: string) => `http://${cluster.addresses[`${role}.http`]}${path}`;

async function sendHttp(signal: TableName, body: Uint8Array | string, contentType: string, org: string): Promise<string> {
  const response = await fetch(url("acceptor", `/v1/${signal}`), { method: "POST", headers: { "content-type": contentType, "x-scope-orgid": org }, body });
  await response.arrayBuffer();
  return String(response.status);
}

function sendGrpc(signal: TableName, body: Uint8Array, org: string): Promise<string> {
  const metadata = new grpc.Metadata();
  metadata.set("x-scope-orgid", org);
  return new Promise((resolve) => {
    grpcClient.makeUnaryRequest(
      OTLP_GRPC_EXPORT_PATHS[signal], (b: Buffer) => b, (b: Buffer) => b, Buffer.from(body), metadata, { deadline: Date.now() + 20_000 },
      (err) => resolve(err ? grpc.status[err.code] ?? String(err.code) : "OK"),
    );
  });
}

/** A 5xx other than 503 (overload), or a gRPC status that means the server broke. */
function isOffence(status: string): boolean {
  if (/^\d+$/.test(status)) return Number(status) >= 500 && status !== "503";
  return !["OK", "INVALID_ARGUMENT", "RESOURCE_EXHAUSTED", "UNAVAILABLE"].includes(status);
}

function record(kind: string, where: string, status: string): void {
  tally.set(`${kind} ${status}`, (tally.get(`${kind} ${status}`) ?? 0) + 1);
  if (isOffence(status)) offences.push({ where, status });
}

/** Runs `count` jobs with at most CONCURRENCY in flight. */
async function pool(count: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < count) await job(next++);
  }));
}

async function sql(org: string, text: string): Promise<unknown[][]> {
  const response = await fetch(url("router", "/api/v1/sql"), {
    method: "POST",
    headers: { "content-type": "application/json", "x-scope-orgid": org },
    body: JSON.stringify({ sql: text }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { rows: unknown[][] }).rows;
}

const CANARY_READS = {
  logs: "select time_unix_nano, observed_time_unix_nano, severity_number, severity_text, body, attributes, trace_id, span_id, resource_attributes from logs order by all",
  metrics: "select metric_name, metric_type, start_time_unix_nano, time_unix_nano, value_double, value_int, count, sum, distribution, attributes from metrics order by all",
};

/** The canary as sent, with its ids in the lower-case hex every API answers with. */
async function sentCanaryTrace(): Promise<unknown> {
  const text = JSON.stringify(await fixtureJson("traces")).replace(/"(traceId|spanId|parentSpanId)":"([0-9A-Fa-f]*)"/g, (_m, k: string, v: string) => `"${k}":"${v.toLowerCase()}"`);
  return canonicalTrace(JSON.parse(text) as { resourceSpans: [] });
}

async function readCanaryTrace(): Promise<unknown> {
  const response = await fetch(url("router", `/api/v2/traces/${CANARY_TRACE}`), { headers: { "x-scope-orgid": CANARY } });
  expect(response.status).toBe(200);
  return canonicalTrace(((await response.json()) as { trace: { resourceSpans: [] } }).trace);
}

let canaryBefore: { logs: unknown[][]; metrics: unknown[][] };

describe("hostile input", () => {
  test("a canary of each signal is written first", async () => {
    for (const signal of TABLE_NAMES) {
      expect(await sendHttp(signal, JSON.stringify(await fixtureJson(signal)), "application/json", CANARY)).toBe("200");
    }
    expect(await readCanaryTrace()).toEqual(await sentCanaryTrace());
    canaryBefore = { logs: await sql(CANARY, CANARY_READS.logs), metrics: await sql(CANARY, CANARY_READS.metrics) };
    expect(canaryBefore.logs.length).toBeGreaterThan(0);
    expect(canaryBefore.metrics.length).toBeGreaterThan(0);
  });

  test.each(["http-protobuf", "http-json", "grpc"] as Transport[])(
    `${REQUESTS_PER_SIGNAL_AND_TRANSPORT} mutated OTLP requests per signal over %s`,
    async (transport) => {
      for (const signal of TABLE_NAMES) {
        const protobufSeed = await fixtureProtobuf(signal);
        const jsonSeed = await fixtureJson(signal);
        const kind = `${transport} ${signal}`;
        await pool(REQUESTS_PER_SIGNAL_AND_TRANSPORT, async (i) => {
          const org = ORGS[i % ORGS.length]!;
          const seed = SEED + transport.length;
          const status =
            transport === "http-json" ? await sendHttp(signal, mutatedJson(signal, jsonSeed, seed, i), "application/json", org)
            : transport === "grpc" ? await sendGrpc(signal, mutatedProtobuf(signal, protobufSeed, seed, i), org)
            : await sendHttp(signal, mutatedProtobuf(signal, protobufSeed, seed, i), "application/x-protobuf", org);
          record(kind, `${kind} #${i}`, status);
        });
        // The generator is hostile and valid both: some requests are refused, some stored.
        const ok = transport === "grpc" ? "OK" : "200";
        expect(tally.get(`${kind} ${ok}`) ?? 0).toBeGreaterThan(0);
        expect([...tally.keys()].filter((k) => k.startsWith(kind) && !k.endsWith(` ${ok}`)).length).toBeGreaterThan(0);
      }
      expect(offences).toEqual([]);
    },
    120_000,
  );

  test.each(QUERY_LANGUAGES.map((l) => [l.name, l] as const))("hostile %s texts", async (name, language) => {
    await pool(language.count, async (i) => {
      const { path, init } = language.request(mutatedQuery(language, SEED, i));
      const org = ORGS[i % ORGS.length]!;
      const response = await fetch(url("router", path), { ...init, headers: { ...(init?.headers as Record<string, string>), "x-scope-orgid": org } });
      await response.arrayBuffer();
      record(name, `${name} #${i}`, String(response.status));
    });
    expect(offences).toEqual([]);
  }, 120_000);

  test("afterwards: alive, the canary intact, every org still flushes", async () => {
    expect(cluster.proc.exitCode).toBeNull();
    expect((await fetch(url("router", "/ready"))).status).toBe(200);

    const now = BigInt(Date.now()) * 1_000_000n;
    const good: Record<TableName, (n: number) => Uint8Array> = {
      traces: (n) => exportRequest([span({ traceId: idBytes(16, 900 + n), spanId: idBytes(8, 900 + n), start: now, end: now })]),
      logs: () => exportRequest([logRecord(now)]),
      metrics: () => exportRequest([gaugeMetric("after", now, 1)]),
    };
    for (const [n, org] of ORGS.entries()) {
      for (const signal of TABLE_NAMES) expect(await sendHttp(signal, good[signal](n), "application/x-protobuf", org)).toBe("200");
    }
    await new FlightClient(cluster.addresses["writer.flight"]!).action("flush", {});
    const health = (await new FlightClient(cluster.addresses["writer.flight"]!).action("health", {})) as { live_rows: number; quarantined_batches: number };
    expect(health).toMatchObject({ live_rows: 0, quarantined_batches: 0 });
    for (const org of [...ORGS, CANARY]) {
      for (const table of TABLE_NAMES) {
        const written = await sql(org, `select count(*) from ${table}`);
        expect({ org, table, rows: Number(written[0]![0]) > 0 }).toEqual({ org, table, rows: true });
      }
    }
    for (const org of ORGS) {
      for (const table of TABLE_NAMES) {
        const files = (readdirSync(join(storageDir, "data", org, "default", table), { recursive: true }) as string[]).filter((f) => f.endsWith(".parquet"));
        expect({ org, table, parquet: files.length > 0 }).toEqual({ org, table, parquet: true });
      }
    }
    const failures = cluster.lines.filter((l) => ["flush.failed", "flush.group_failed", "flush.quarantined", "http.unhandled_error"].includes(String(l.event)));
    expect(failures).toEqual([]);

    expect(await readCanaryTrace()).toEqual(await sentCanaryTrace());
    expect(await sql(CANARY, CANARY_READS.logs)).toEqual(canaryBefore.logs);
    expect(await sql(CANARY, CANARY_READS.metrics)).toEqual(canaryBefore.metrics);
    // What the run did, for whoever reads the test output.
    console.log(`hostile run (seed ${SEED}):`, Object.fromEntries([...tally].sort()));
  });
});
