/**
 * The streaming port in-process, over the router's HTTP app with bearer tokens and a test
 * backend: auth and tenancy come from the call's metadata exactly as from HTTP headers, and
 * plain HTTP on the same port reaches the same app.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { SEARCH_COLUMNS, searchResultSchema } from "../../../shared/query/index.ts";
import { createLogger } from "../../../shared/log/index.ts";
import { createTestApp, resultOf } from "../../../test/helpers/router-test-backend.ts";
import { StreamingQuerierClient } from "./proto.ts";
import { startTempoStreaming, type TempoStreamingServer } from "./server.ts";

const TOKENS = [{ token: "token-acme-123456", org: "acme", scopes: ["query" as const] }];
const { app, backend } = createTestApp({ tokens: TOKENS });
let http: ReturnType<typeof Bun.serve>;
let streaming: TempoStreamingServer;
let client: grpc.Client & { Search: (req: unknown, md: grpc.Metadata) => grpc.ClientReadableStream<any> };

beforeAll(async () => {
  http = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch });
  const log = createLogger({ level: "error", format: "json", sink: () => {} });
  streaming = await startTempoStreaming({ host: "127.0.0.1", port: 0, http: { host: "127.0.0.1", port: http.port! }, fetchLocal: () => app.fetch, log });
  client = new StreamingQuerierClient(streaming.address, grpc.credentials.createInsecure()) as unknown as typeof client;
  backend.on(
    "search",
    resultOf(searchResultSchema, {
      [SEARCH_COLUMNS.traceId]: ["0af7651916cd43dd8448eb211c80319c"],
      [SEARCH_COLUMNS.rootServiceName]: ["cart"],
      [SEARCH_COLUMNS.rootTraceName]: ["GET /"],
      [SEARCH_COLUMNS.startTimeUnixNano]: [1n],
      [SEARCH_COLUMNS.durationNano]: [2_000_000n],
      [SEARCH_COLUMNS.spanSets]: [""],
      [SEARCH_COLUMNS.serviceStats]: ['{"cart":{"spanCount":1}}'],
    }),
  );
});

afterAll(async () => {
  client?.close();
  await streaming?.close(1_000);
  http?.stop(true);
});

function search(metadata: Record<string, string>): Promise<any[]> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  return new Promise((resolve, reject) => {
    const out: any[] = [];
    const call = client.Search({ Query: "{}" }, md);
    call.on("data", (m: unknown) => out.push(m));
    call.on("error", reject);
    call.on("end", () => resolve(out));
  });
}

describe("auth and tenancy from metadata", () => {
  test("no token: UNAUTHENTICATED; another org's name: PERMISSION_DENIED", async () => {
    expect((await search({}).catch((e) => e)).code).toBe(grpc.status.UNAUTHENTICATED);
    const err = await search({ authorization: "Bearer token-acme-123456", "x-scope-orgid": "globex" }).catch((e) => e);
    expect(err.code).toBe(grpc.status.PERMISSION_DENIED);
  });

  test("a valid token searches its own org", async () => {
    const [message] = await search({ authorization: "Bearer token-acme-123456" });
    expect(message.traces[0]).toMatchObject({ traceID: "0af7651916cd43dd8448eb211c80319c", serviceStats: { cart: { spanCount: 1 } } });
    expect(backend.lastTicket).toMatchObject({ kind: "search", org: "acme", q: "{}" });
  });

  test("plain HTTP on the streaming port reaches the same API", async () => {
    const response = await fetch(`http://${streaming.address}/api/search?q=%7B%7D`, { headers: { authorization: "Bearer token-acme-123456" } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as any).traces).toHaveLength(1);
    expect((await fetch(`http://${streaming.address}/api/search`)).status).toBe(401);
  });
});
