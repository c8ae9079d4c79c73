import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { openCatalog, type CatalogRepository, type ManifestScope } from "../../shared/catalog/index.ts";
import { createLogger } from "../../shared/log/index.ts";
import { dataFile } from "../../test/helpers/catalog-fixtures.ts";
import { ManifestCache } from "./manifest-cache.ts";

const log = createLogger({ level: "warn", bindings: {} });
const scope = { orgId: "org-a", bucket: "default", table: "traces" };

let catalog: CatalogRepository;
/** What the cache asked the catalog: the file rows each answer carried. */
let fetched: number;
let cache: ManifestCache;

beforeEach(async () => {
  catalog = await openCatalog("sqlite::memory:", { log });
  fetched = 0;
  const counting: CatalogRepository = Object.create(catalog);
  counting.manifestSince = async (s: ManifestScope, since: number) => {
    const delta = await catalog.manifestSince(s, since);
    fetched += delta.files.length;
    return delta;
  };
  cache = new ManifestCache(counting);
});
afterEach(() => catalog.close());

const ranges: Array<[string | undefined, string | undefined]> = [
  [undefined, undefined], ["10", "10"], ["20", "21"], ["11", undefined], [undefined, "9"], ["1000000000000000001", undefined], ["0", "8"],
];

async function expectSameAsCatalog(): Promise<void> {
  for (const [fromNs, toNs] of ranges) {
    const query = { ...scope, fromNs, toNs };
    expect(await cache.listDataFiles(query)).toEqual(await catalog.listDataFiles(query));
  }
}

describe("ManifestCache", () => {
  test("lists what the catalog lists, for every time range, as files come and go", async () => {
    await expectSameAsCatalog();
    await catalog.addDataFile(dataFile("f-21-99", { minTime: "21", maxTime: "99" }));
    await catalog.addDataFile(dataFile("f-9-10", { minTime: "9", maxTime: "10" }));
    await expectSameAsCatalog();
    await catalog.addDataFile(dataFile("f-10-20", { minTime: "10", maxTime: "20" }));
    await catalog.addDataFile(dataFile("f-100-1e18", { minTime: "100", maxTime: "1000000000000000000" }));
    await catalog.addDataFile(dataFile("other-org", { orgId: "org-b", minTime: "10", maxTime: "20" }));
    await expectSameAsCatalog();
    await catalog.removeDataFile("f-10-20");
    await expectSameAsCatalog();
    expect((await cache.listDataFiles({ ...scope, orgId: "org-b" })).map((f) => f.path)).toEqual(["other-org"]);
  });

  test("a file is fetched once: later listings ask only whether anything changed", async () => {
    for (let i = 0; i < 5; i++) await catalog.addDataFile(dataFile(`f${i}`));
    expect(await cache.listDataFiles(scope)).toHaveLength(5);
    expect(fetched).toBe(5);
    for (let i = 0; i < 3; i++) await cache.listDataFiles(scope);
    expect(fetched).toBe(5);
    await catalog.addDataFile(dataFile("f5"));
    expect(await cache.listDataFiles(scope)).toHaveLength(6);
    expect(fetched).toBe(6);
  });

  test("the same answer (the same array) while neither the manifest nor the range changed", async () => {
    await catalog.addDataFile(dataFile("a", { minTime: "10", maxTime: "20" }));
    const first = await cache.listDataFiles(scope);
    expect(await cache.listDataFiles(scope)).toBe(first);
    const ranged = await cache.listDataFiles({ ...scope, fromNs: "15" });
    expect(ranged).not.toBe(first);
    expect(ranged).toEqual(first);
    await catalog.addDataFile(dataFile("b", { minTime: "10", maxTime: "20" }));
    const after = await cache.listDataFiles({ ...scope, fromNs: "15" });
    expect(after).not.toBe(ranged);
    expect(after.map((f) => f.path)).toEqual(["a", "b"]);
  });

  test("a listing that starts while another is under way still sees a file recorded before it started", async () => {
    await catalog.addDataFile(dataFile("a"));
    const first = cache.listDataFiles(scope);
    await catalog.addDataFile(dataFile("b"));
    const second = cache.listDataFiles(scope);
    expect((await first).map((f) => f.path)).toContain("a");
    expect((await second).map((f) => f.path)).toEqual(["a", "b"]);
  });

  test("the least recently listed scope is dropped past the limit, and listed again from scratch", async () => {
    const small = new ManifestCache(catalog, 2);
    for (const table of ["traces", "logs", "metrics"]) await catalog.addDataFile(dataFile(`${table}-1`, { table }));
    for (const table of ["traces", "logs", "metrics", "traces"]) {
      expect((await small.listDataFiles({ ...scope, table })).map((f) => f.path)).toEqual([`${table}-1`]);
    }
  });
});

test("files that leave the manifest (a compaction's inputs) are reported once, so cached copies can go", async () => {
  const removed: string[][] = [];
  const reporting = new ManifestCache(catalog, undefined, (paths) => removed.push(paths.sort()));
  for (const p of ["in1", "in2", "keep"]) await catalog.addDataFile(dataFile(p));
  expect(await reporting.listDataFiles(scope)).toHaveLength(3);
  await catalog.replaceDataFiles({ remove: ["in1", "in2"], add: dataFile("out"), reason: "compacted", at: 1 });
  expect((await reporting.listDataFiles(scope)).map((f) => f.path).sort()).toEqual(["keep", "out"]);
  await reporting.listDataFiles(scope);
  expect(removed).toEqual([["in1", "in2"]]);
});
