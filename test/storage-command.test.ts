/**
 * `bun run storage` as an operator runs it, against a SQLite file and a PostgreSQL catalog
 * that hold a manifest: per org/bucket/table the files, bytes, rows and data time range, as
 * a table or as JSON; a clear message and exit 1 when the catalog is unreachable.
 */
import { afterAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { openCatalog, type CatalogRepository } from "../shared/catalog/index.ts";
import { createLogger } from "../shared/log/index.ts";
import { dataFile } from "./helpers/catalog-fixtures.ts";
import { createFreshPgDatabase, type FreshPgDatabase } from "./helpers/catalog-pg.ts";
import { REPO_ROOT, tempDir } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

async function storage(env: Record<string, string>, ...args: string[]) {
  const proc = Bun.spawn(["bun", "run", "services/storage.ts", ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

const quiet = createLogger({ level: "error" });
const HOUR_NS = 3_600_000_000_000n;
const T0 = 1_780_000_000_000_000_000n;

async function fillManifest(catalog: CatalogRepository): Promise<void> {
  const file = (path: string, orgId: string, table: string, hour: bigint, bytes: number, rows: number) =>
    catalog.addDataFile(
      dataFile(path, {
        orgId,
        bucket: "default",
        table,
        minTime: String(T0 + hour * HOUR_NS),
        maxTime: String(T0 + hour * HOUR_NS + HOUR_NS / 2n),
        bytes,
        rows,
        batchIds: [crypto.randomUUID()],
      }),
    );
  await file("acme/default/traces/a.parquet", "acme", "traces", 0n, 1000, 10);
  await file("acme/default/traces/b.parquet", "acme", "traces", 5n, 3000, 30);
  await file("acme/default/logs/c.parquet", "acme", "logs", 2n, 500, 7);
  await file("zeta/default/traces/d.parquet", "zeta", "traces", 1n, 2048, 4);
}

const EXPECTED = [
  { org: "acme", bucket: "default", table: "logs", files: 1, bytes: 500, rows: 7, oldest_ns: String(T0 + 2n * HOUR_NS), newest_ns: String(T0 + 2n * HOUR_NS + HOUR_NS / 2n) },
  { org: "acme", bucket: "default", table: "traces", files: 2, bytes: 4000, rows: 40, oldest_ns: String(T0), newest_ns: String(T0 + 5n * HOUR_NS + HOUR_NS / 2n) },
  { org: "zeta", bucket: "default", table: "traces", files: 1, bytes: 2048, rows: 4, oldest_ns: String(T0 + HOUR_NS), newest_ns: String(T0 + HOUR_NS + HOUR_NS / 2n) },
];

let pg: FreshPgDatabase | undefined;
afterAll(async () => {
  await pg?.drop();
}, 60_000);

describe.each(["sqlite", "postgres"] as const)("on %s", (dialect) => {
  test("per org/bucket/table: files, bytes, rows, oldest and newest data; --json and the table", async () => {
    let dsn: string;
    if (dialect === "postgres") {
      pg = await createFreshPgDatabase("sb_storage");
      dsn = pg.dsn;
    } else {
      dsn = `sqlite:${join(tempDir("storage"), "catalog.db")}`;
    }
    const catalog = await openCatalog(dsn, { log: quiet });
    await fillManifest(catalog);
    await catalog.close();
    const env = { SIGNALBOX_DISCOVERY_CATALOG_DSN: dsn };

    const json = await storage(env, "--json");
    expect(json.stderr).toBe("");
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(rows.map(({ oldest: _o, newest: _n, ...rest }) => rest)).toEqual(EXPECTED);
    expect(rows[1]!.oldest).toBe(new Date(Number(T0 / 1_000_000n)).toISOString());

    const table = await storage(env);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ORG\s+BUCKET\s+TABLE\s+FILES\s+BYTES\s+ROWS\s+OLDEST\s+NEWEST$/);
    expect(lines[2]).toMatch(/^acme\s+default\s+traces\s+2\s+3\.9 KiB\s+40\s+\S+Z\s+\S+Z$/);
    expect(lines.at(-1)).toMatch(/^total\s+4\s+6\.4 KiB\s+51$/);
  }, 60_000);
});

test("an unreachable catalog: a message that says so, exit 1", async () => {
  const out = await storage({ SIGNALBOX_DISCOVERY_CATALOG_DSN: "postgres://postgres@127.0.0.1:1/nothing" });
  expect(out.code).toBe(1);
  expect(out.stderr).toContain("storage: the catalog is unreachable");
  expect(out.stdout).toBe("");
});

test("a catalog that cannot hold data is named, not created: exit 2", async () => {
  const memory = await storage({ SIGNALBOX_DISCOVERY_CATALOG_DSN: "sqlite::memory:" });
  expect(memory.code).toBe(2);
  expect(memory.stderr).toContain("sqlite::memory:");
  const missing = join(tempDir("storage"), "nope.db");
  const absent = await storage({ SIGNALBOX_DISCOVERY_CATALOG_DSN: `sqlite:${missing}` });
  expect(absent.code).toBe(2);
  expect(absent.stderr).toContain(`no catalog at ${missing}`);
  expect(await Bun.file(missing).exists()).toBe(false);
});

test("an empty manifest says so", async () => {
  const dsn = `sqlite:${join(tempDir("storage"), "empty.db")}`;
  await (await openCatalog(dsn, { log: quiet })).close();
  const out = await storage({ SIGNALBOX_DISCOVERY_CATALOG_DSN: dsn });
  expect([out.code, out.stdout]).toEqual([0, "the manifest holds no files\n"]);
});
