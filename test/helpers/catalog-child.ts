/**
 * Start line for catalog child processes: the parent spawns several, waits until each has
 * loaded its modules and printed "ready", then closes their stdin so they all hit the
 * catalog at the same moment. A child's result is its last stdout line (JSON).
 */
import { createLogger, type Logger } from "../../shared/log/index.ts";

/**
 * Loads the DSN's dialect driver (openCatalog imports it lazily) and then waits for the
 * parent's signal, so that after the signal every child goes straight to the database.
 */
export async function waitForStartSignal(dsn: string): Promise<void> {
  await (dsn.startsWith("sqlite:") ? import("../../shared/catalog/driver.sqlite.ts") : import("../../shared/catalog/driver.pg.ts"));
  process.stdout.write("ready\n");
  await Bun.stdin.text();
}

export function childLog(): Logger {
  // Retries and failures (warn and up) reach the parent's stderr capture.
  return createLogger({ level: "warn", bindings: { pid: process.pid } });
}

/** Runs `main`, prints its result as the last stdout line; exit 1 with the error on stderr otherwise. */
export async function runChild(main: () => Promise<unknown>): Promise<void> {
  try {
    const result = await main();
    process.stdout.write(JSON.stringify(result) + "\n");
    process.exit(0);
  } catch (error) {
    process.stderr.write(`child failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  }
}
