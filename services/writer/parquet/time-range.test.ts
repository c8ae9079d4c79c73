import { expect, setDefaultTimeout, test } from "bun:test";
import { Int64, RecordBatch, vectorFromArray } from "apache-arrow";
import { storedTimeProblem } from "../../../shared/tables/index.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../../test/helpers/timeouts.ts";
import { timeRange } from "./time-range.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const EDGES = [0n, 1n, -1n, 2n ** 32n - 1n, 2n ** 32n, -(2n ** 32n), 2n ** 63n - 1n, -(2n ** 63n), 1_700_000_000_000_000_000n];

function batchOf(times: bigint[]): RecordBatch {
  const column = vectorFromArray(times, new Int64()).data[0]!;
  return new RecordBatch({ time_unix_nano: column, start_time_unix_nano: column });
}

test("timeRange and storedTimeProblem read words as BigInts would", () => {
  let seed = 11;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (let round = 0; round < 300; round++) {
    const batches = Array.from({ length: 1 + Math.floor(rand() * 3) }, () =>
      batchOf(Array.from({ length: 1 + Math.floor(rand() * 5) }, () =>
        rand() < 0.5 ? EDGES[Math.floor(rand() * EDGES.length)]! : BigInt.asIntN(64, (BigInt(Math.floor(rand() * 2 ** 32)) << 32n) | BigInt(Math.floor(rand() * 2 ** 32))),
      )),
    );
    const all = batches.flatMap((b) => [...(b.getChild("time_unix_nano")!.toArray() as BigInt64Array)]);
    expect(timeRange("metrics", batches)).toEqual({ minTimeNs: all.reduce((a, b) => (b < a ? b : a)), maxTimeNs: all.reduce((a, b) => (b > a ? b : a)) });
    for (const b of batches) {
      const first = [...(b.getChild("time_unix_nano")!.toArray() as BigInt64Array)].find((t) => t < 0n);
      expect(storedTimeProblem(b, "metrics")).toBe(first === undefined ? undefined : `start_time_unix_nano ${first} is negative (a time past int64, wrapped)`);
    }
  }
});
