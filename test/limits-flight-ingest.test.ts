/**
 * The router's Flight DoPut (Arrow clients) is an ingest path too: an org over its rate gets
 * RESOURCE_EXHAUSTED with RetryInfo while another org's puts are stored, through the
 * monolith process.
 */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { FlightClient, FlightError } from "../shared/flight/index.ts";
import { decodeExport, exportRequestType, otlpJsonToProtobuf } from "../shared/otlp/index.ts";
import { decodeRetryDelayMs } from "./helpers/acceptor-wire.ts";
import { randomTracePayload } from "./helpers/otlp-json.ts";
import { roleEnv, startRoleProcess, tempDir, type RoleProcess } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

let cluster: RoleProcess;
let client: FlightClient;

beforeAll(async () => {
  cluster = await startRoleProcess(
    "monolith",
    roleEnv({
      SIGNALBOX_STORAGE_PATH: join(tempDir("limits-flight"), "data"),
      SIGNALBOX_LIMITS_OVERRIDES: JSON.stringify({ arrow: { ingest_rate_bytes: 4_000, ingest_burst_bytes: 60_000 } }),
    }),
  );
  client = new FlightClient(cluster.addresses["router.flight"]!);
}, 60_000);

afterAll(async () => {
  client?.close();
  await cluster?.kill();
}, 60_000);

/** One traces batch in the table's schema, every row carrying one fresh batch id. */
function tracesBatch() {
  const body = otlpJsonToProtobuf(exportRequestType("traces"), JSON.parse(randomTracePayload(50).body));
  return decodeExport("traces", body, "protobuf", crypto.randomUUID()).batch!;
}

const put = (org: string) => client.put({ kind: "ingest", org_id: org, table: "traces" }, [tracesBatch()]);

test("an org over its rate: RESOURCE_EXHAUSTED with RetryInfo; another org's puts are stored", async () => {
  let refused: FlightError | undefined;
  for (let i = 0; i < 100 && !refused; i++) {
    const [arrow, calm] = await Promise.allSettled([put("arrow"), put("calm")]);
    expect(calm.status).toBe("fulfilled");
    if (arrow.status === "rejected") refused = FlightError.from(arrow.reason);
  }
  expect(refused?.codeName).toBe("RESOURCE_EXHAUSTED");
  expect(refused!.message).toContain("limits.ingest_rate_bytes");
  const details = (refused!.cause as { metadata?: { get(key: string): unknown[] } }).metadata?.get("grpc-status-details-bin")[0];
  expect(decodeRetryDelayMs(details as Uint8Array)).toBeGreaterThan(0);
  const stored = (await put("calm")) as { durable: boolean };
  expect(stored.durable).toBe(true);
}, 30_000);
