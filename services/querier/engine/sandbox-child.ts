/**
 * The SQL sandbox process: reads one job frame from stdin, runs it in a locked-down DuckDB
 * (sql-sandbox.ts), writes one reply frame to stdout and exits. Its parent watches its
 * memory and time and kills it past either (sandbox-processes.ts): DuckDB can neither bound
 * nor interrupt every allocation (a list built by one scalar function ignores both
 * `memory_limit` and interrupts), so a separate process is the only hard bound.
 */
import { join } from "node:path";
import { tableToIPC } from "apache-arrow";
import { formatSize } from "../../../shared/config/index.ts";
import { openDuckDB } from "../../../shared/duckdb/index.ts";
import { QueryError } from "../../../shared/query/index.ts";
import { decodeFrame, encodeFrame, sourcesOfJob, type SandboxJob, type SandboxReply } from "./sandbox-protocol.ts";
import { runSandboxedSql } from "./sql-sandbox.ts";

/**
 * Set in a sandbox process's environment, to the JSON of its SandboxSettings: the binary's
 * entry runs this instead of a role.
 */
export const SQL_SANDBOX_ENV = "SIGNALBOX_INTERNAL_SQL_SANDBOX";

export interface SandboxSettings {
  /** DuckDB configuration (memory_limit, threads, max_temp_directory_size). */
  duckdb: Record<string, string>;
  /** Spill folder root: this process spills to `{tempRoot}/sql-{pid}`; unset = no spilling. */
  tempRoot?: string;
}

export function sandboxTempDir(tempRoot: string, pid: number): string {
  return join(tempRoot, `sql-${pid}`);
}

/** The first byte a sandbox writes: booted (DuckDB loaded), so the query's clock may start. */
export const SANDBOX_READY = 0x2a;

export async function runSandboxChild(): Promise<never> {
  const settings = JSON.parse(process.env[SQL_SANDBOX_ENV] ?? "{}") as SandboxSettings;
  const temp_directory = settings.tempRoot ? sandboxTempDir(settings.tempRoot, process.pid) : "";
  const handle = await openDuckDB(":memory:", { config: { ...settings.duckdb, temp_directory } });
  // The first statement of a process is slow (DuckDB's lazy setup): not on the query's clock.
  await handle.connection.run("SELECT 1");
  await Bun.write(Bun.stdout, new Uint8Array([SANDBOX_READY]));
  const input = new Uint8Array(await Bun.stdin.arrayBuffer());
  let parts: Uint8Array[];
  try {
    const frame = decodeFrame<SandboxJob>(input);
    const job = frame.header;
    const { table, truncated } = await runSandboxedSql(handle, {
      sql: job.sql,
      sources: sourcesOfJob(frame),
      maxRows: job.maxRows,
      timeoutMs: job.timeoutMs,
    });
    const result = tableToIPC(table, "stream");
    if (result.byteLength > job.maxResultBytes) {
      throw new QueryError(
        "RESOURCE_EXHAUSTED",
        `the result is ${formatSize(result.byteLength)}, more than query.max_result_bytes (${formatSize(job.maxResultBytes)}): select fewer or narrower rows`,
      );
    }
    parts = encodeFrame({ ok: true, truncated } satisfies SandboxReply, [result]);
  } catch (err) {
    const reply: SandboxReply =
      err instanceof QueryError
        ? { ok: false, code: err.code, message: err.message }
        : { ok: false, code: "INTERNAL", message: `query failed: ${(err as Error).message}` };
    parts = encodeFrame(reply);
  }
  await Bun.write(Bun.stdout, Buffer.concat(parts));
  process.exit(0);
}
