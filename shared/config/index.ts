export { configSchema, discoveryTtlMs, writeQuorum, Scope } from "./schema.ts";
export type { Config, ConfigInput } from "./schema.ts";
export { deprecatedKeyUses, loadConfig, loadConfigOrExit, validate, parseFlags, ConfigError } from "./load.ts";
export { RENAMED_KEYS, type DeprecatedKeyUse, type RenamedKey } from "./renamed-keys.ts";
export type { LoadOptions } from "./load.ts";
export { CONFIG_KEYS, findKey } from "./keys.ts";
export type { ConfigKey } from "./keys.ts";
export { parseDuration } from "./duration.ts";
export { configTableMarkdown, exampleToml } from "./docs.ts";
