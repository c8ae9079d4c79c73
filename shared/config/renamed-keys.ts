/**
 * Keys that moved when each key got one owner: a key several roles read lives in a neutral
 * section, not under one role. The old names still load (file, environment, flags), each
 * use reported so the role can log one deprecation line; the new name wins when both are set.
 */
export interface RenamedKey {
  /** The name that still loads. */
  from: string;
  /** Where the key lives now. */
  to: string;
}

export const RENAMED_KEYS: readonly RenamedKey[] = [
  { from: "acceptor.write_timeout", to: "write.timeout" },
  { from: "router.query_timeout", to: "query.timeout" },
  { from: "router.max_result_rows", to: "query.max_result_rows" },
  { from: "router.cache_ttl", to: "discovery.cache_ttl" },
];

export type ConfigSource = "file" | "environment" | "flag" | "override";

/** One use of an old key name, for the deprecation log line. */
export interface DeprecatedKeyUse {
  key: string;
  replacement: string;
  source: ConfigSource;
  /** The environment variable or flag as written, when the source is one of those. */
  as?: string;
}

export function envName(path: string): string {
  return "SIGNALBOX_" + path.replaceAll(".", "_").toUpperCase();
}

export function renamedFrom(path: string): RenamedKey | undefined {
  return RENAMED_KEYS.find((k) => k.from === path);
}
