/** A batch flushed twice (a failover) is read from one file only. */
import { expect, test, setDefaultTimeout } from "bun:test";
import { chooseFiles } from "../services/querier/gather-sources.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const file = (path: string, createdAt: number, batchIds: string[]) => ({ path, createdAt, batchIds });

test("a file whose batches are all in older files is skipped; partial and new files are kept", () => {
  const files = [
    file("c", 3, ["b1", "b2"]), // the old primary's batches flushed again by the new primary
    file("a", 1, ["b1"]),
    file("b", 2, ["b2", "b3"]),
    file("d", 4, ["b4"]),
  ];
  expect(chooseFiles(files).map((f) => f.path)).toEqual(["a", "b", "d"]);
});

test("equal creation times order by path, so every querier picks the same copy", () => {
  expect(chooseFiles([file("y", 1, ["b1"]), file("x", 1, ["b1"])]).map((f) => f.path)).toEqual(["x"]);
});
