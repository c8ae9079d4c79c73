/**
 * limits.max_concurrent_queries at the router: an org running its limit of queries gets 429
 * with Retry-After for the next one (refused, not queued) while another org's queries run,
 * and is admitted again once one of its queries has finished (or failed).
 */
import { expect, test, setDefaultTimeout } from "bun:test";
import { LOGQL_RESULT_SCHEMA } from "../shared/query/index.ts";
import { createTestApp, resultOf } from "./helpers/router-test-backend.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const logs = () =>
  resultOf(LOGQL_RESULT_SCHEMA, {
    result_type: ["streams"],
    result: [JSON.stringify([{ stream: { service_name: "api" }, structuredMetadata: {}, parsed: {}, values: [["1700000000000000000", "hi"]] }])],
    stats: [""],
  });
const QUERY = "/loki/api/v1/query_range?query=" + encodeURIComponent('{service_name="api"}');

test("the org's next query past its limit is 429 with Retry-After; others run; a slot frees when a query ends", async () => {
  const { app, backend } = createTestApp({ limits: { overrides: { busy: { max_concurrent_queries: 2 } } } });
  const held: Array<() => void> = [];
  backend.on("logql", (ticket) => (ticket.org === "busy" ? new Promise((resolve) => held.push(() => resolve(logs()))) : logs()));
  const as = (org: string) => app.request(QUERY, { headers: { "X-Scope-OrgID": org } });

  const running = [as("busy"), as("busy")];
  while (held.length < 2) await Bun.sleep(1);

  const refused = await as("busy");
  expect(refused.status).toBe(429);
  expect(refused.headers.get("retry-after")).toBe("1");
  // Loki answers errors as plain text.
  expect(await refused.text()).toContain("limits.max_concurrent_queries");
  expect((await as("other")).status).toBe(200);

  held.shift()!();
  expect((await running[0]!).status).toBe(200);
  const admitted = as("busy");
  while (held.length < 2) await Bun.sleep(1);
  for (const release of held) release();
  expect((await admitted).status).toBe(200);
  expect((await running[1]!).status).toBe(200);
});

test("a failed query gives its slot back", async () => {
  const { app, backend } = createTestApp({ limits: { max_concurrent_queries: 1 } });
  let fail = true;
  backend.on("logql", () => {
    if (fail) throw new Error("boom");
    return logs();
  });
  expect((await app.request(QUERY)).status).toBe(500);
  fail = false;
  expect((await app.request(QUERY)).status).toBe(200);
});
