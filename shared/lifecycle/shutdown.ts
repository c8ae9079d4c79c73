/**
 * Signal handling shared by the entrypoints: the first SIGINT/SIGTERM stops gracefully
 * within the shutdown timeout; a second one, or the timeout, exits at once.
 */
import type { Logger } from "../log/index.ts";

export function onShutdown(stop: () => Promise<void>, log: Logger, timeoutMs: number): void {
  let stopping = false;
  const handle = (signal: string) => {
    if (stopping) {
      log.warn("shutdown.forced", { signal });
      process.exit(1);
    }
    stopping = true;
    log.info("shutdown.begin", { signal, timeout_ms: timeoutMs });
    const timer = setTimeout(() => {
      log.error("shutdown.timeout", { timeout_ms: timeoutMs });
      process.exit(1);
    }, timeoutMs + 1_000);
    stop().then(
      () => {
        clearTimeout(timer);
        log.info("shutdown.done");
        process.exit(0);
      },
      (err) => {
        log.error("shutdown.failed", { err });
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => handle("SIGINT"));
  process.on("SIGTERM", () => handle("SIGTERM"));
}
