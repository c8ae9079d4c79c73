/**
 * A real Prometheus (Debian's package, /usr/bin/prometheus) for side-by-side tests: its own temp
 * data directory, a minimal configuration that scrapes nothing, the remote write receiver on,
 * listening on a free loopback port. Prometheus cannot be told to pick its own port and report
 * it, so a port is taken from the OS and handed over; a start that loses that race is retried.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

export const PROMETHEUS_BINARY = process.env.PROMETHEUS_BINARY ?? "/usr/bin/prometheus";

export interface PrometheusProcess {
  url: string;
  version: string;
  /** Its process id and TSDB folder (what the benchmark charges CPU and disk to). */
  pid: number;
  dataDir: string;
  stop(): Promise<void>;
}

function freePort(): number {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = server.port!;
  server.stop(true);
  return port;
}

export async function prometheusVersion(): Promise<string | undefined> {
  try {
    const proc = Bun.spawn([PROMETHEUS_BINARY, "--version"], { stdout: "pipe", stderr: "pipe" });
    const text = (await new Response(proc.stdout).text()) + (await new Response(proc.stderr).text());
    await proc.exited;
    return /version (\S+)/.exec(text)?.[1];
  } catch {
    return undefined;
  }
}

export interface PrometheusOptions {
  evaluationIntervalMs?: number;
  /** Turns on /api/v1/admin (the bench persists the head with its TSDB snapshot). */
  adminApi?: boolean;
}

export async function startPrometheus(options: PrometheusOptions = {}): Promise<PrometheusProcess> {
  const version = await prometheusVersion();
  if (!version) throw new Error(`${PROMETHEUS_BINARY} is missing: install Debian's prometheus package (.ci/run does)`);
  const dir = mkdtempSync(join(tmpdir(), "signalbox-prometheus-"));
  const config = join(dir, "prometheus.yml");
  const evaluation = `${Math.round((options.evaluationIntervalMs ?? 60_000) / 1000)}s`;
  writeFileSync(config, `global:\n  scrape_interval: 15s\n  evaluation_interval: ${evaluation}\nscrape_configs: []\n`);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = freePort();
    const proc: Subprocess = Bun.spawn(
      [
        PROMETHEUS_BINARY,
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--web.enable-remote-write-receiver",
        "--storage.tsdb.retention.time=3650d",
        "--log.level=warn",
        ...(options.adminApi ? ["--web.enable-admin-api"] : []),
      ],
      { stdout: "ignore", stderr: "pipe" },
    );
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && proc.exitCode === null) {
      try {
        const r = await fetch(`${url}/-/ready`);
        if (r.ok) {
          return {
            url,
            version,
            pid: proc.pid,
            dataDir: join(dir, "data"),
            async stop() {
              proc.kill("SIGTERM");
              await proc.exited;
              rmSync(dir, { recursive: true, force: true });
            },
          };
        }
      } catch {
        // not listening yet
      }
      await Bun.sleep(100);
    }
    proc.kill("SIGKILL");
    await proc.exited;
    lastError = new Error(`prometheus did not become ready on ${url}: ${await new Response(proc.stderr as ReadableStream).text()}`);
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}
