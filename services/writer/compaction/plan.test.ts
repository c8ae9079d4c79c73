import { describe, expect, setDefaultTimeout, test } from "bun:test";
import type { DataFile } from "../../../shared/catalog/index.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../../test/helpers/timeouts.ts";
import { planCompactions } from "./plan.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const HOUR = "acme/default/traces/date=2026-01-01/hour=00";

function file(n: number, rows: number, bytes = 1_000): DataFile {
  return {
    path: `${HOUR}/f${String(n).padStart(4, "0")}.parquet`,
    orgId: "acme", bucket: "default", table: "traces", shardId: 1,
    minTime: "0", maxTime: "1", rows, bytes, batchIds: [`b${n}`], createdAt: n,
  };
}

describe("planCompactions with a row bound", () => {
  test("outputs hold at most maxRows, inputs in creation order", () => {
    const files = Array.from({ length: 10 }, (_, i) => file(i, 300));
    const jobs = planCompactions(files, { targetBytes: 1_000_000, minFiles: 2, maxRows: 1_000 });
    expect(jobs.map((j) => j.inputs.map((f) => f.createdAt))).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
  });

  test("a file of half the rows or more is left alone, whatever its bytes", () => {
    const jobs = planCompactions([file(0, 600), file(1, 100), file(2, 100)], { targetBytes: 1_000_000, minFiles: 2, maxRows: 1_000 });
    expect(jobs.map((j) => j.inputs.map((f) => f.createdAt))).toEqual([[1, 2]]);
  });

  test("without it, bytes alone bound a job", () => {
    const files = Array.from({ length: 10 }, (_, i) => file(i, 300));
    const jobs = planCompactions(files, { targetBytes: 1_000_000, minFiles: 2 });
    expect(jobs.map((j) => j.inputs.length)).toEqual([10]);
  });
});
