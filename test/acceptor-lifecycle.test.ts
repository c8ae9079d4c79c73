/** Graceful stop: in-flight exports finish, new ones are refused, a stuck one is cut at the grace limit. */
import { expect, test, setDefaultTimeout } from "bun:test";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { validate } from "../shared/config/index.ts";
import { createLogger } from "../shared/log/index.ts";
import { startAcceptor } from "../services/acceptor/server.ts";
import type { BatchSink, SinkWriteRequest } from "../services/acceptor/sink.ts";
import { makeSpans } from "./helpers/acceptor-otel.ts";
import { grpcExport } from "./helpers/acceptor-wire.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

/** A sink whose writes wait until the test releases them. */
class GatedSink implements BatchSink {
  readonly started: SinkWriteRequest[] = [];
  private release!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));
  private onStart: (() => void) | undefined;

  async write(req: SinkWriteRequest): Promise<void> {
    this.started.push(req);
    this.onStart?.();
    await this.gate;
  }
  open(): void {
    this.release();
  }
  /** Resolves once `n` writes are waiting at the gate. */
  async waitStarted(n: number): Promise<void> {
    while (this.started.length < n) await new Promise<void>((resolve) => (this.onStart = resolve));
  }
}

async function start(sink: BatchSink) {
  const config = validate({ acceptor: { grpc_port: 0, http_port: 0 } });
  const acceptor = await startAcceptor({ config, log: createLogger({ level: "error" }), sink });
  return acceptor;
}

test("stop lets in-flight HTTP and gRPC exports finish, then refuses new ones", async () => {
  const sink = new GatedSink();
  const acceptor = await start(sink);
  const body = ProtobufTraceSerializer.serializeRequest(await makeSpans(1))!;
  const http = fetch(`http://${acceptor.httpAddress}/v1/traces`, {
    method: "POST",
    body,
    headers: { "content-type": "application/x-protobuf" },
  });
  const grpc = grpcExport(acceptor.grpcAddress, "traces", body);
  await sink.waitStarted(2);

  const stopped = acceptor.stop(10_000);
  expect(acceptor.isReady()).toBe(false);
  sink.open();
  expect((await http).status).toBe(200);
  expect((await grpc).code).toBe(GrpcStatus.OK);
  await stopped;

  const refused = await fetch(`http://${acceptor.httpAddress}/healthz`).then(
    () => "answered",
    () => "refused",
  );
  expect(refused).toBe("refused");
  expect((await grpcExport(acceptor.grpcAddress, "traces", body)).code).toBe(GrpcStatus.UNAVAILABLE);
});

test("stop cuts exports still stuck after the grace period", async () => {
  const sink = new GatedSink(); // never opened
  const acceptor = await start(sink);
  const body = ProtobufTraceSerializer.serializeRequest(await makeSpans(1))!;
  const http = fetch(`http://${acceptor.httpAddress}/v1/traces`, {
    method: "POST",
    body,
    headers: { "content-type": "application/x-protobuf" },
  }).then(
    (res) => res.status,
    () => "cut",
  );
  const grpc = grpcExport(acceptor.grpcAddress, "traces", body);
  await sink.waitStarted(2);
  await acceptor.stop(100);
  expect(await http).toBe("cut");
  expect((await grpc).code).not.toBe(GrpcStatus.OK);
});
