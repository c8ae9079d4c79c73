/** Starts an acceptor on port 0 with a CollectingSink, for tests. */
import { validate, type ConfigInput } from "../../shared/config/index.ts";
import type { MetricsRegistry } from "../../shared/metrics/index.ts";
import { createLogger } from "../../shared/log/index.ts";
import { startAcceptor, type Acceptor } from "../../services/acceptor/server.ts";
import { CollectingSink } from "./acceptor-sink.ts";

export interface TestAcceptor {
  acceptor: Acceptor;
  sink: CollectingSink;
  httpUrl: string;
  grpcAddress: string;
  logLines: string[];
  stop(): Promise<void>;
}

export async function startTestAcceptor(
  overrides: Omit<ConfigInput, "acceptor"> & { acceptor?: ConfigInput["acceptor"] } = {},
  extra: { metrics?: MetricsRegistry; ingestShare?: () => number } = {},
): Promise<TestAcceptor> {
  const config = validate({
    ...overrides,
    acceptor: { grpc_port: 0, http_port: 0, ...overrides.acceptor },
  });
  const logLines: string[] = [];
  const log = createLogger({ level: "debug", bindings: { role: "acceptor" }, sink: (line) => logLines.push(line) });
  const sink = new CollectingSink();
  const acceptor = await startAcceptor({ config, log, sink, ...extra });
  acceptor.setReady(true);
  return {
    acceptor,
    sink,
    httpUrl: `http://${acceptor.httpAddress}`,
    grpcAddress: acceptor.grpcAddress,
    logLines,
    stop: () => acceptor.stop(1_000),
  };
}
