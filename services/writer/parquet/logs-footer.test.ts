import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDuckDB, quoteLiteral, type DuckDBHandle } from "../../../shared/duckdb/index.ts";
import { PLAIN_LOGFMT_SERVICES_KEY } from "../../../shared/loki/index.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../../test/helpers/timeouts.ts";
import { kvMetadataSql } from "./footer.ts";
import { mergedLogsFooterFacts } from "./logs-footer.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

let dir: string;
let duck: DuckDBHandle;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sb-logs-footer-"));
  duck = await openDuckDB();
});
afterAll(() => {
  duck.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A logs-shaped file holding rows of `services`, its footer listing `plain` (no key when undefined). */
async function file(name: string, services: string[], plain?: string[]): Promise<string> {
  const path = join(dir, `${name}.parquet`);
  const rows = services.map((s) => `(${quoteLiteral(s)}, 'msg=x')`).join(", ");
  const kv = plain === undefined ? "" : `, ${kvMetadataSql({ [PLAIN_LOGFMT_SERVICES_KEY]: JSON.stringify(plain) })}`;
  await duck.connection.run(`COPY (SELECT * FROM (VALUES ${rows}) t(service_name, body)) TO ${quoteLiteral(path)} (FORMAT parquet${kv})`);
  return path;
}

const listedAfterMerge = async (paths: string[]) => {
  const facts = await mergedLogsFooterFacts(duck.connection, paths);
  return facts[PLAIN_LOGFMT_SERVICES_KEY] === undefined ? undefined : JSON.parse(facts[PLAIN_LOGFMT_SERVICES_KEY]!);
};

test("a merged logs file lists a service only when every input holding its rows lists it", async () => {
  const listsA = await file("lists-a", ["a", "b", "a"], ["a"]);
  const listsAC = await file("lists-a-c", ["a", "c"], ["a", "c"]);
  const oldWriter = await file("old-writer", ["d", "d"]);
  expect(await listedAfterMerge([listsA, listsAC, oldWriter])).toEqual(["a", "c"]);
  // An input without the key (an older writer) holding rows of c takes c off the list.
  const oldWithC = await file("old-with-c", ["c"]);
  expect(await listedAfterMerge([listsAC, oldWithC])).toEqual(["a"]);
  // A service listed by one input and held, unlisted, by another is not plain.
  const holdsAUnlisted = await file("holds-a", ["a", "c"], ["c"]);
  expect(await listedAfterMerge([listsA, holdsAUnlisted])).toEqual(["c"]);
});

test("inputs without the key, or listing nothing that holds up, give a file without it", async () => {
  const old1 = await file("old-1", ["a"]);
  const old2 = await file("old-2", ["b"]);
  expect(await listedAfterMerge([old1, old2])).toBeUndefined();
  const listsA = await file("lists-only-a", ["a"], ["a"]);
  expect(await listedAfterMerge([listsA, old1])).toBeUndefined();
});
