/**
 * Ingest limits through real acceptor processes (`bun run services/acceptor`) in front of a
 * writer, with the global strategy: once discovery shows two acceptors each admits half the
 * org's rate, an org over it gets 429 + Retry-After while another org's writes all succeed,
 * and the acceptor's /metrics counts the hits by org and limit.
 */
import { afterAll, expect, test, setDefaultTimeout } from "bun:test";
import { TestCluster } from "./helpers/cluster-processes.ts";
import { randomTracePayload } from "./helpers/otlp-json.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

let cluster: TestCluster | undefined;
afterAll(async () => {
  await cluster?.stop();
}, 60_000);

const RATE = 4_000;

const post = (http: string, org: string) =>
  fetch(`http://${http}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-scope-orgid": org },
    body: randomTracePayload(20).body,
  });

test("two acceptor processes share an org's rate; the other org is unaffected", async () => {
  cluster = await TestCluster.start({
    writers: 1,
    replicationFactor: 1,
    nats: false,
    query: false,
    env: { SIGNALBOX_LIMITS_OVERRIDES: JSON.stringify({ noisy: { ingest_rate_bytes: RATE, ingest_burst_bytes: 30_000 } }) },
  });
  const second = await cluster.startAcceptor();
  const http = cluster.acceptor!.addresses.http!;

  // Each acceptor learns of the other from discovery (catalog heartbeats).
  const shareOf = async (address: string) => {
    const text = await (await fetch(`http://${address}/metrics`)).text();
    return Number(/^signalbox_acceptor_ingest_share (\d+)/m.exec(text)?.[1] ?? 0);
  };
  const deadline = Date.now() + 15_000;
  while ((await shareOf(http)) !== 2 || (await shareOf(second.addresses.http!)) !== 2) {
    if (Date.now() > deadline) throw new Error("the acceptors never saw each other");
    await Bun.sleep(100);
  }

  let throttled: Response | undefined;
  let quietOk = 0;
  // Several noisy requests per round: the bucket drains however slowly a loaded machine answers.
  for (let i = 0; i < 30 && !throttled; i++) {
    const [quiet, ...noisy] = await Promise.all([post(http, "quiet"), ...Array.from({ length: 4 }, () => post(http, "noisy"))]);
    expect(quiet.status).toBe(200);
    quietOk++;
    for (const response of noisy) {
      if (response.status === 429) throttled ??= response;
      else expect(response.status).toBe(200);
    }
  }
  expect(throttled).toBeDefined();
  expect(Number(throttled!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  const status = (await throttled!.json()) as { code: number; message: string; details: Array<{ retryDelay: string }> };
  expect(status.code).toBe(8); // RESOURCE_EXHAUSTED
  expect(status.message).toContain(`this instance admits ${RATE / 2} bytes/s, shared by 2 live instances`);
  expect(status.details[0]!.retryDelay).toMatch(/^\d+(\.\d+)?s$/);
  // The quiet org kept writing through the same acceptor, durably (the writer acknowledged).
  for (let i = 0; i < 10; i++) expect((await post(http, "quiet")).status).toBe(200);
  expect(quietOk).toBeGreaterThan(0);

  const metrics = await (await fetch(`http://${http}/metrics`)).text();
  expect(metrics).toMatch(/^signalbox_limit_hits_total\{limit="ingest_rate_bytes",org="noisy"\} [1-9]/m);
  expect(metrics).not.toMatch(/signalbox_limit_hits_total\{[^}]*org="quiet"/);
  expect(metrics).toMatch(/^signalbox_acceptor_requests_total\{outcome="throttled",signal="traces",transport="http"\} [1-9]/m);
}, 60_000);
