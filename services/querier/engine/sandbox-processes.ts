/**
 * User SQL runs in a process of its own (sandbox-child.ts), one per query, so that no query
 * can take the querier down: the parent watches the child's resident memory and kills it
 * past `maxMemoryBytes` (422), kills it past the time limit (504), and runs at most
 * `maxConcurrent` at once (the others wait up to half their time limit, then 503), so SQL never holds
 * more than maxConcurrent × maxMemoryBytes. One child is kept started ahead, so a query
 * does not wait for a process to boot.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { tableFromIPC } from "apache-arrow";
import { formatSize } from "../../../shared/config/index.ts";
import type { Logger } from "../../../shared/log/index.ts";
import { QueryError } from "../../../shared/query/index.ts";
import { SANDBOX_READY, SQL_SANDBOX_ENV, sandboxTempDir, type SandboxSettings } from "./sandbox-child.ts";
import { decodeFrame, jobFrame, type SandboxReply } from "./sandbox-protocol.ts";
import type { SandboxResult } from "./sql-sandbox.ts";
import type { TableSources } from "./source-view.ts";

export interface SqlSandboxLimits {
  /** Resident memory one SQL process may reach (`query.max_memory`). */
  maxMemoryBytes: number;
  /** SQL processes at once (`query.max_concurrent_sql`). */
  maxConcurrent: number;
  /** Largest answer in Arrow IPC bytes (`query.max_result_bytes`). */
  maxResultBytes: number;
  /** Folder under which each process gets its DuckDB spill folder; unset = no spilling. */
  tempRoot?: string;
  /** DuckDB `max_temp_directory_size` of each process. */
  maxTempDirectorySize?: string;
  /** DuckDB threads of each process (default: DuckDB's, one per core). */
  threads?: number;
}

export const DEFAULT_SQL_LIMITS: SqlSandboxLimits = { maxMemoryBytes: 512 * 1024 ** 2, maxConcurrent: 2, maxResultBytes: 64 * 1024 ** 2 };

/** How often a child's memory is read: at DuckDB's allocation rate it overshoots by a few MiB at most. */
const WATCH_MS = 20;
/** A process that has not loaded DuckDB by then is broken (the query's own clock starts after). */
const BOOT_TIMEOUT_MS = 60_000;
const PAGE_BYTES = 4096;

type SandboxProcess = Subprocess<"pipe", "pipe", "inherit">;
type ByteReader = AsyncIterator<Uint8Array>;

export interface SqlRun {
  sql: string;
  sources: TableSources;
  maxRows: number;
  timeoutMs: number;
}

export class SqlSandboxes {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private spare: SandboxProcess | undefined;
  private closed = false;
  private readonly settings: string;

  constructor(
    private readonly limits: SqlSandboxLimits,
    private readonly log: Logger,
  ) {
    // DuckDB's own limit, for what it does count, is half the process's: the rest is the
    // runtime, the result and what DuckDB allocates without counting (lists built by one
    // function); the memory watch bounds the whole.
    const duckdb: Record<string, string> = { memory_limit: `${Math.floor(limits.maxMemoryBytes / 2 / 1024 ** 2)}MiB` };
    if (limits.maxTempDirectorySize) duckdb.max_temp_directory_size = limits.maxTempDirectorySize;
    if (limits.threads) duckdb.threads = String(limits.threads);
    this.settings = JSON.stringify({ duckdb, tempRoot: limits.tempRoot } satisfies SandboxSettings);
  }

  async run(run: SqlRun): Promise<SandboxResult> {
    const deadline = Date.now() + run.timeoutMs;
    // Waiting for a slot may take half the query's time; the other half is for running it.
    await this.acquire(Date.now() + run.timeoutMs / 2);
    try {
      const { child, output } = await this.bootedChild();
      return await this.runIn(child, output, run, deadline);
    } finally {
      this.releaseSlot();
    }
  }

  close(): void {
    this.closed = true;
    this.spare?.kill("SIGKILL");
    this.spare = undefined;
  }

  /**
   * The spare, booted; if it died while waiting (killed by an operator, the OOM killer, a
   * test runner), one freshly started instead — a lost spare must not fail a query.
   */
  private async bootedChild(): Promise<{ child: SandboxProcess; output: ByteReader }> {
    for (let attempt = 0; ; attempt++) {
      const child = this.take();
      const output: ByteReader = (child.stdout as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
      try {
        await this.booted(child, output);
        return { child, output };
      } catch (err) {
        child.kill("SIGKILL");
        if (attempt >= 1) throw err;
        this.log.warn("sql.sandbox_lost", { pid: child.pid, error: (err as Error).message });
      }
    }
  }

  private async runIn(child: SandboxProcess, output: ByteReader, run: SqlRun, deadline: number): Promise<SandboxResult> {
    const tempDir = this.limits.tempRoot ? sandboxTempDir(this.limits.tempRoot, child.pid) : undefined;
    const remaining = Math.max(1, deadline - Date.now());
    let stopped: QueryError | undefined;
    const stop = (error: QueryError) => {
      stopped ??= error;
      child.kill("SIGKILL");
    };
    const watch = setInterval(() => {
      const rss = residentBytes(child.pid);
      if (rss > this.limits.maxMemoryBytes) {
        stop(
          new QueryError(
            "RESOURCE_EXHAUSTED",
            `query needs more memory than query.max_memory (${formatSize(this.limits.maxMemoryBytes)}) allows and was stopped: ` +
              "select fewer rows or columns, or aggregate before collecting lists",
          ),
        );
      }
    }, WATCH_MS);
    // The child interrupts itself at the time limit; this is for when it cannot.
    const timer = setTimeout(
      () => stop(new QueryError("DEADLINE_EXCEEDED", `query exceeded its time limit of ${run.timeoutMs} ms`)),
      remaining + 1_000,
    );
    try {
      const job = jobFrame({ sql: run.sql, maxRows: run.maxRows, timeoutMs: remaining, maxResultBytes: this.limits.maxResultBytes }, run.sources);
      const sending = (async () => {
        for (const part of job) child.stdin.write(part);
        await child.stdin.end();
      })().catch(() => undefined); // a child killed mid-write: its exit says why
      const reply = await readAll(output);
      await sending;
      const code = await child.exited;
      if (stopped) throw stopped;
      if (code !== 0 || reply.byteLength === 0) {
        throw new QueryError("INTERNAL", `the SQL process ended without an answer (exit ${code}${child.signalCode ? `, ${child.signalCode}` : ""})`);
      }
      const frame = decodeFrame<SandboxReply>(reply);
      if (!frame.header.ok) throw new QueryError(frame.header.code, frame.header.message);
      return { table: tableFromIPC(frame.blobs[0]!), truncated: frame.header.truncated };
    } finally {
      clearInterval(watch);
      clearTimeout(timer);
      if (child.exitCode === null) child.kill("SIGKILL");
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    }
  }

  /**
   * Waits for the ready byte. Booting (the runtime, DuckDB's library) is not the query's
   * time: a loaded machine must not turn every first query into a timeout.
   */
  private async booted(child: SandboxProcess, output: ByteReader): Promise<void> {
    const timer = setTimeout(() => child.kill("SIGKILL"), BOOT_TIMEOUT_MS);
    try {
      const first = await output.next();
      if (first.done || first.value[0] !== SANDBOX_READY) {
        throw new QueryError("INTERNAL", `the SQL process did not start (exit ${await child.exited})`);
      }
      if (first.value.byteLength > 1) throw new QueryError("INTERNAL", "the SQL process wrote before it was asked");
    } finally {
      clearTimeout(timer);
    }
  }

  /** The process started ahead (if it is still alive), and another one started for the next query. */
  private take(): SandboxProcess {
    let child = this.spare;
    if (!child || child.exitCode !== null) child = this.spawn();
    this.spare = this.closed ? undefined : this.spawn();
    return child;
  }

  private spawn(): SandboxProcess {
    const command = Bun.isStandaloneExecutable
      ? [process.execPath]
      : [process.execPath, "run", join(import.meta.dir, "sandbox-main.ts")];
    const child = Bun.spawn(command, {
      env: { ...process.env, [SQL_SANDBOX_ENV]: this.settings },
      stdin: "pipe",
      stdout: "pipe",
      stderr: "inherit",
    });
    void child.exited.then((code) => {
      if (code !== 0 && child.signalCode !== "SIGKILL") this.log.warn("sql.sandbox_exited", { pid: child.pid, code });
    });
    return child;
  }

  /** Overloaded past `waitUntil`: 503, which clients retry (the query itself was not tried). */
  private async acquire(waitUntil: number): Promise<void> {
    while (this.running >= this.limits.maxConcurrent) {
      const left = waitUntil - Date.now();
      if (left <= 0) {
        throw new QueryError(
          "UNAVAILABLE",
          `all ${this.limits.maxConcurrent} SQL slots of this querier (query.max_concurrent_sql) stayed busy: retry later`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          const at = this.waiting.indexOf(wake);
          if (at !== -1) this.waiting.splice(at, 1);
          resolve();
        }, left);
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        this.waiting.push(wake);
      });
    }
    this.running++;
  }

  private releaseSlot(): void {
    this.running--;
    this.waiting.shift()?.();
  }
}

/** Resident set size of a process (Linux /proc); 0 once it is gone. */
function residentBytes(pid: number): number {
  try {
    const statm = readFileSync(`/proc/${pid}/statm`, "latin1");
    return Number(statm.split(" ")[1]) * PAGE_BYTES;
  } catch {
    return 0;
  }
}

async function readAll(reader: ByteReader): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.next();
    if (done) break;
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
