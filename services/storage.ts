/**
 * `bun run storage [--config FILE] [--json]`: what the data-file manifest holds, per org,
 * bucket and table — files, bytes, rows, and the oldest and newest data — read from the
 * catalog the roles share. Honours the SIGNALBOX_* environment like every role.
 *
 * Exit codes: 0 printed; 1 the catalog could not be reached or read; 2 bad configuration, or
 * a catalog that cannot hold anything (in-memory, or a SQLite file that does not exist).
 */
import { existsSync } from "node:fs";
import { openCatalog, parseCatalogDsn, redactDsn, type ManifestSummary } from "../shared/catalog/index.ts";
import type { Config } from "../shared/config/index.ts";
import { createLogger } from "../shared/log/index.ts";
import { command } from "./command.ts";

const USAGE = `usage: bun run storage [--config FILE] [--json]
  --json  print a JSON array of {org, bucket, table, files, bytes, rows, oldest, newest}
          (oldest/newest: data time as ISO 8601, and *_ns as nanosecond decimal strings)`;

const { fail, loadConfig } = command("storage");

interface StorageRow {
  org: string;
  bucket: string;
  table: string;
  files: number;
  bytes: number;
  rows: number;
  oldest: string;
  newest: string;
  oldest_ns: string;
  newest_ns: string;
}

function toRow(s: ManifestSummary): StorageRow {
  return {
    org: s.orgId,
    bucket: s.bucket,
    table: s.table,
    files: s.files,
    bytes: s.bytes,
    rows: s.rows,
    oldest: nsToIso(s.minTime),
    newest: nsToIso(s.maxTime),
    oldest_ns: s.minTime,
    newest_ns: s.maxTime,
  };
}

function nsToIso(ns: string): string {
  return new Date(Number(BigInt(ns) / 1_000_000n)).toISOString();
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];
function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

function formatTable(rows: readonly StorageRow[]): string {
  const header = ["ORG", "BUCKET", "TABLE", "FILES", "BYTES", "ROWS", "OLDEST", "NEWEST"];
  const cells = rows.map((r) => [r.org, r.bucket, r.table, String(r.files), formatBytes(r.bytes), String(r.rows), r.oldest, r.newest]);
  const total = rows.reduce((t, r) => ({ files: t.files + r.files, bytes: t.bytes + r.bytes, rows: t.rows + r.rows }), { files: 0, bytes: 0, rows: 0 });
  cells.push(["total", "", "", String(total.files), formatBytes(total.bytes), String(total.rows), "", ""]);
  const numeric = new Set([3, 4, 5]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]) =>
    values.map((v, i) => (numeric.has(i) ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), ...cells.map(line)].join("\n");
}

/** Flags of this command; they are not configuration keys, so loadConfig ignores them. */
function ownFlags(argv: string[]): { json: boolean; help: boolean; rest: string[] } {
  const rest = argv.filter((a) => a !== "--json" && a !== "--help" && a !== "-h");
  return { json: argv.includes("--json"), help: argv.includes("--help") || argv.includes("-h"), rest };
}

/** A read-only look must not create an empty catalog where none is. */
function checkCatalogCanHoldData(config: Config): void {
  const dsn = config.discovery.catalog.dsn;
  const target = parseCatalogDsn(dsn);
  if (target.kind === "postgres") return;
  if (dsn === "sqlite::memory:") {
    fail(
      2,
      "discovery.catalog.dsn is sqlite::memory: (a private, empty catalog). Point SIGNALBOX_DISCOVERY_CATALOG_DSN (or --config) at the catalog the roles share.",
    );
  }
  const path = dsn.slice("sqlite:".length);
  if (!existsSync(path)) fail(2, `no catalog at ${path} (discovery.catalog.dsn ${dsn}): is this the catalog the roles use?`);
}

async function main(): Promise<void> {
  const flags = ownFlags(process.argv.slice(2));
  if (flags.help) {
    process.stdout.write(USAGE + "\n");
    return;
  }
  const config = await loadConfig(flags.rest);
  checkCatalogCanHoldData(config);
  const where = redactDsn(config.discovery.catalog.dsn);
  // Diagnostics go to stderr; only warnings, so --json output stays clean for scripts.
  const log = createLogger({ level: "warn", format: config.log.format, bindings: { role: "storage" } });
  const catalog = await openCatalog(config.discovery.catalog.dsn, { log }).catch((err: Error) =>
    fail(1, `the catalog is unreachable: ${err.message}`),
  );
  const summary = await catalog.manifestSummary().catch((err: Error) => fail(1, `cannot read the manifest from ${where}: ${err.message}`));
  await catalog.close();

  const rows = summary.map(toRow);
  if (flags.json) process.stdout.write(JSON.stringify(rows) + "\n");
  else if (rows.length === 0) process.stdout.write("the manifest holds no files\n");
  else process.stdout.write(formatTable(rows) + "\n");
}

await main();
