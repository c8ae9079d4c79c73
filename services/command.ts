/**
 * What the operator commands (`bun run topology`, `bun run storage`) share: one way to fail
 * with an exit code and a line on stderr, and configuration loaded like every role's
 * (file, SIGNALBOX_* environment, flags) with bad configuration reported and exit 2.
 */
import { ConfigError, loadConfig, type Config } from "../shared/config/index.ts";

export interface Command {
  fail(code: number, message: string): never;
  /** `argv`: the flags left once the command took its own. */
  loadConfig(argv: string[]): Promise<Config>;
}

export function command(name: string): Command {
  const fail = (code: number, message: string): never => {
    process.stderr.write(`${name}: ${message}\n`);
    process.exit(code);
  };
  return {
    fail,
    async loadConfig(argv) {
      try {
        return await loadConfig({ argv });
      } catch (err) {
        if (err instanceof ConfigError) fail(2, `invalid configuration:\n  ${err.problems.join("\n  ")}`);
        throw err;
      }
    },
  };
}
