/** Bearer-token tenancy on both OTLP transports: who may write, and into which org. */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { ProtobufLogsSerializer } from "@opentelemetry/otlp-transformer";
import { makeLogRecords } from "./helpers/acceptor-otel.ts";
import { startTestAcceptor, type TestAcceptor } from "./helpers/acceptor-start.ts";
import { decodeStatusProto, grpcExport } from "./helpers/acceptor-wire.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const INGEST = "ingest-token-acme-0001";
const QUERY_ONLY = "query-token-acme-0001";

let t: TestAcceptor;
let body: Uint8Array;
beforeAll(async () => {
  t = await startTestAcceptor({
    auth: {
      tokens: [
        { token: INGEST, org: "acme", scopes: ["ingest"] },
        { token: QUERY_ONLY, org: "acme", scopes: ["query"] },
      ],
    },
  });
  body = ProtobufLogsSerializer.serializeRequest(await makeLogRecords(3))!;
});
afterAll(async () => {
  await t.stop();
});

async function postLogs(headers: Record<string, string>) {
  const res = await fetch(`${t.httpUrl}/v1/logs`, {
    method: "POST",
    body,
    headers: { "content-type": "application/x-protobuf", ...headers },
  });
  return { status: res.status, body: decodeStatusProto(new Uint8Array(await res.arrayBuffer())) };
}

describe("OTLP/HTTP", () => {
  test("a valid token writes into its own org", async () => {
    const res = await postLogs({ authorization: `Bearer ${INGEST}`, "x-signalbox-bucket": "http-ok" });
    expect(res.status).toBe(200);
    const write = t.sink.writes.find((w) => w.bucket === "http-ok")!;
    expect(write.orgId).toBe("acme");
    expect(write.batch.numRows).toBe(3);
  });

  test("the token's own org in X-Scope-OrgID is fine", async () => {
    expect((await postLogs({ authorization: `Bearer ${INGEST}`, "x-scope-orgid": "acme" })).status).toBe(200);
  });

  test("no token → 401", async () => {
    const res = await postLogs({});
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ code: GrpcStatus.UNAUTHENTICATED, message: "missing bearer token (Authorization: Bearer <token>)" });
  });

  test("unknown token → 401", async () => {
    const res = await postLogs({ authorization: "Bearer not-a-known-token" });
    expect(res.status).toBe(401);
    expect(res.body.message).toBe("unknown bearer token");
  });

  test("another org → 403", async () => {
    const res = await postLogs({ authorization: `Bearer ${INGEST}`, "x-scope-orgid": "globex" });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ code: GrpcStatus.PERMISSION_DENIED, message: 'token is not valid for org "globex"' });
  });

  test("token without the ingest scope → 403", async () => {
    const res = await postLogs({ authorization: `Bearer ${QUERY_ONLY}` });
    expect(res.status).toBe(403);
    expect(res.body.message).toBe('token lacks the "ingest" scope');
  });
});

describe("OTLP/gRPC", () => {
  test("a valid token writes into its own org", async () => {
    const out = await grpcExport(t.grpcAddress, "logs", body, { authorization: `Bearer ${INGEST}`, "x-signalbox-bucket": "grpc-ok" });
    expect(out.code).toBe(GrpcStatus.OK);
    expect(t.sink.writes.find((w) => w.bucket === "grpc-ok")!.orgId).toBe("acme");
  });

  test("no token → UNAUTHENTICATED", async () => {
    const out = await grpcExport(t.grpcAddress, "logs", body);
    expect(out.code).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(out.details).toBe("missing bearer token (Authorization: Bearer <token>)");
  });

  test("another org → PERMISSION_DENIED", async () => {
    const out = await grpcExport(t.grpcAddress, "logs", body, { authorization: `Bearer ${INGEST}`, "x-scope-orgid": "globex" });
    expect(out.code).toBe(GrpcStatus.PERMISSION_DENIED);
  });

  test("token without the ingest scope → PERMISSION_DENIED", async () => {
    const out = await grpcExport(t.grpcAddress, "logs", body, { authorization: `Bearer ${QUERY_ONLY}` });
    expect(out.code).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(out.details).toBe('token lacks the "ingest" scope');
  });
});

test("nothing refused reached the sink", () => {
  expect(t.sink.writes.map((w) => w.orgId)).toEqual(["acme", "acme", "acme"]);
});
