/**
 * Several processes starting at once on one fresh catalog must all succeed: migrations run
 * exactly once (advisory lock on PostgreSQL, IMMEDIATE transaction + retry on SQLite), every
 * registration lands, and exactly one process wins the first shard map. Also: four processes
 * heartbeating one SQLite file never see SQLITE_BUSY.
 */
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openCatalog } from "../shared/catalog/index.ts";
import { createLogger } from "../shared/log/index.ts";
import { createFreshPgDatabase } from "./helpers/catalog-pg.ts";
import { type ChildOutcome, runTogether } from "./helpers/catalog-processes.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const PROCESSES = 4;
const ROUNDS = 20;
const log = createLogger({ level: "warn" });

function expectAllSucceeded(outcomes: ChildOutcome[], round: number): void {
  for (const outcome of outcomes) {
    if (outcome.exitCode !== 0) throw new Error(`round ${round}: a child exited ${outcome.exitCode}:\n${outcome.stderr}`);
    // Routine lock retries log at debug; nothing may surface as an error.
    expect(outcome.stderr).not.toContain(`"level":"error"`);
  }
  const winners = outcomes.filter((o) => (o.result as { won?: boolean }).won === true);
  expect(winners.length).toBe(1);
}

async function oneRound(dsn: string, round: number): Promise<void> {
  const ids = Array.from({ length: PROCESSES }, (_, i) => `r${round}-p${i}`);
  const outcomes = await runTogether("catalog-open-and-register.ts", ids.map((id) => [dsn, id]));
  expectAllSucceeded(outcomes, round);
  const repo = await openCatalog(dsn, { log });
  try {
    expect((await repo.listLive(0)).map((i) => i.id)).toEqual(ids);
    const winner = outcomes.find((o) => (o.result as { won: boolean }).won)!.result as { id: string };
    expect(await repo.shardMap()).toEqual({ epoch: 1, shards: [{ shardId: 0, replicas: [winner.id] }] });
  } finally {
    await repo.close();
  }
}

describe(`${PROCESSES} processes opening one fresh catalog at once, ${ROUNDS} rounds`, () => {
  test(
    "PostgreSQL",
    async () => {
      // Dropping is slow under load and no round depends on it: drop them all at the end.
      const databases = [];
      try {
        for (let round = 0; round < ROUNDS; round++) {
          const database = await createFreshPgDatabase("sb_test_race");
          databases.push(database);
          await oneRound(database.dsn, round);
        }
      } finally {
        await Promise.all(databases.map((d) => d.drop()));
      }
    },
    { timeout: 120_000 },
  );

  test(
    "SQLite file",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "sb-catalog-race-"));
      try {
        for (let round = 0; round < ROUNDS; round++) await oneRound(`sqlite:${join(dir, `round-${round}.db`)}`, round);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    { timeout: 120_000 },
  );
});

test(
  `${PROCESSES} processes heartbeat one SQLite file concurrently without SQLITE_BUSY`,
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-catalog-hb-"));
    const dsn = `sqlite:${join(dir, "catalog.db")}`;
    try {
      const heartbeats = 500;
      const ids = Array.from({ length: PROCESSES }, (_, i) => `hb-${i}`);
      const outcomes = await runTogether("catalog-heartbeat-loop.ts", ids.map((id) => [dsn, id, String(heartbeats)]));
      for (const outcome of outcomes) {
        if (outcome.exitCode !== 0) throw new Error(`a heartbeat child exited ${outcome.exitCode}:\n${outcome.stderr}`);
        expect(outcome.stderr).not.toMatch(/SQLITE_BUSY|database is locked/i);
        expect((outcome.result as { heartbeats: number }).heartbeats).toBe(heartbeats);
      }
      const repo = await openCatalog(dsn, { log });
      try {
        expect((await repo.listLive(0)).map((i) => i.id)).toEqual(ids);
      } finally {
        await repo.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  { timeout: 60_000 },
);
