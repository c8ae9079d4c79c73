import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDuckDB, quoteLiteral, type DuckDBHandle } from "../../../../shared/duckdb/index.ts";
import { LOKI_TIME_SQL } from "../../../../shared/loki/index.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../../../test/helpers/timeouts.ts";
import { LogFileContexts } from "./log-contexts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

// A file's span comes from its footer only when no row can take its observed time; the
// others (a zero or null time_unix_nano) are read. Either way the span is what a pass over
// the rows' Loki times finds.
let dir: string;
let duck: DuckDBHandle;
const files: Record<string, string> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "log-file-spans-"));
  duck = await openDuckDB();
  const T = 1_800_000_000_000_000_000n;
  const kinds: Record<string, string> = {
    timed: `CASE WHEN i % 3 = 0 THEN ${T} + i * 7 ELSE ${T} - i * 5 END`,
    zeros: `CASE WHEN i % 50 = 0 THEN 0 ELSE ${T} + i END`,
    nulls: `CASE WHEN i % 50 = 0 THEN NULL ELSE ${T} + i END`,
  };
  for (const [name, time] of Object.entries(kinds)) {
    files[name] = join(dir, `${name}.parquet`);
    await duck.connection.run(
      `COPY (SELECT (${time})::BIGINT AS time_unix_nano, (${T} * 2 + i)::BIGINT AS observed_time_unix_nano FROM range(10000) t(i))
       TO ${quoteLiteral(files[name]!)} (FORMAT parquet, ROW_GROUP_SIZE 2048)`,
    );
  }
  files.empty = join(dir, "empty.parquet");
  await duck.connection.run(`COPY (SELECT 1::BIGINT AS time_unix_nano, 1::BIGINT AS observed_time_unix_nano WHERE false) TO ${quoteLiteral(files.empty)} (FORMAT parquet)`);
});

afterAll(async () => {
  await duck?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("file spans equal a pass over the rows' Loki times", async () => {
  const spans = await new LogFileContexts().fileSpans(duck.connection, Object.values(files));
  expect(spans.has(files.empty!)).toBe(false);
  for (const name of ["timed", "zeros", "nulls"]) {
    const [[min, max, rows]] = (await duck.connection.runAndReadAll(
      `SELECT min(${LOKI_TIME_SQL}), max(${LOKI_TIME_SQL}), count(*) FROM read_parquet(${quoteLiteral(files[name]!)})`,
    )).getRows() as [[bigint, bigint, bigint]];
    expect(spans.get(files[name]!)).toEqual({ minNs: min, maxNs: max, rows: Number(rows) });
  }
});
