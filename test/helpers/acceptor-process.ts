/**
 * The acceptor in a process of its own, for cross-process tests. Its sink prints one line
 * per acknowledged batch to stdout (`batch <table> <batchId> <rows> <org>/<bucket>`), after a
 * first line `listening <httpAddress> <grpcAddress>`. SIGTERM stops it gracefully.
 * Configuration comes from the environment (SIGNALBOX_*) with both ports defaulting to 0.
 */
import { loadConfig } from "../../shared/config/index.ts";
import { createLogger } from "../../shared/log/index.ts";
import type { BatchSink } from "../../services/acceptor/sink.ts";
import { startAcceptor } from "../../services/acceptor/server.ts";

const stdoutSink: BatchSink = {
  async write(req) {
    process.stdout.write(`batch ${req.table} ${req.batchId} ${req.batch.numRows} ${req.orgId}/${req.bucket}\n`);
  },
};

const config = await loadConfig({
  argv: [],
  overrides: {
    "acceptor.grpc_port": Number(process.env.SIGNALBOX_ACCEPTOR_GRPC_PORT ?? 0),
    "acceptor.http_port": Number(process.env.SIGNALBOX_ACCEPTOR_HTTP_PORT ?? 0),
  },
});
const log = createLogger({ bindings: { role: "acceptor" } });
const acceptor = await startAcceptor({ config, log, sink: stdoutSink });
acceptor.setReady(true);
process.stdout.write(`listening ${acceptor.httpAddress} ${acceptor.grpcAddress}\n`);

process.once("SIGTERM", () => {
  acceptor.stop(config.shutdown_timeout).then(
    () => process.exit(0),
    (err) => {
      log.error("acceptor.stop_failed", { error: err });
      process.exit(1);
    },
  );
});
