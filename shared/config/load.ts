/**
 * Loading order (later wins): defaults → TOML file (`--config PATH`) → environment
 * (`SIGNALBOX_<DOTTED_KEY>`) → flags (`--dotted.key=value` or `--dotted.key value`).
 */
import { configSchema, type Config } from "./schema.ts";
import { CONFIG_KEYS, coerce, findKey } from "./keys.ts";
import { envName, RENAMED_KEYS, renamedFrom, type ConfigSource, type DeprecatedKeyUse } from "./renamed-keys.ts";

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "ConfigError";
  }
}

export interface LoadOptions {
  argv?: string[];
  env?: Record<string, string | undefined>;
  /** Values that win over everything (tests, the monolith's per-role overrides). */
  overrides?: Record<string, unknown>;
}

type Tree = Record<string, unknown>;

function setPath(tree: Tree, path: string, value: unknown): void {
  const parts = path.split(".");
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== "object" || node[part] === null) node[part] = {};
    node = node[part] as Tree;
  }
  node[parts[parts.length - 1]!] = value;
}

function getPath(tree: Tree, path: string): unknown {
  let node: unknown = tree;
  for (const part of path.split(".")) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Tree)[part];
  }
  return node;
}

function deletePath(tree: Tree, path: string): void {
  const parts = path.split(".");
  const parent = getPath(tree, parts.slice(0, -1).join("."));
  if (typeof parent === "object" && parent !== null) delete (parent as Tree)[parts[parts.length - 1]!];
}

/**
 * One layer's old key names moved to their new ones, before the layers merge, so a later
 * layer wins whichever name each layer used. Within one layer the new name wins.
 */
function moveRenamedKeys(tree: Tree, source: ConfigSource, uses: DeprecatedKeyUse[]): Tree {
  for (const { from, to } of RENAMED_KEYS) {
    const value = getPath(tree, from);
    if (value === undefined) continue;
    deletePath(tree, from);
    if (getPath(tree, to) === undefined) setPath(tree, to, value);
    uses.push({ key: from, replacement: to, source });
  }
  return tree;
}

function merge(base: Tree, top: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(top)) {
    const b = out[k];
    out[k] =
      v && typeof v === "object" && !Array.isArray(v) && b && typeof b === "object" && !Array.isArray(b)
        ? merge(b as Tree, v as Tree)
        : v;
  }
  return out;
}

/** Flags other than config keys (e.g. `--help`) are left for the caller. */
export function parseFlags(argv: string[]): { configPath?: string; values: Tree; problems: string[] } {
  const values: Tree = {};
  const problems: string[] = [];
  let configPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) continue;
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const takeValue = () => (eq === -1 ? argv[++i] : arg.slice(eq + 1));
    if (name === "config") {
      configPath = takeValue();
      continue;
    }
    const key = findKey(renamedFrom(name)?.to ?? name);
    if (!key) {
      // A key inside a table-valued key, e.g. --limits.overrides.acme.ingest_rate_bytes=1048576.
      const table = CONFIG_KEYS.find((k) => k.kind === "table" && name.startsWith(`${k.path}.`));
      if (table) {
        const text = takeValue();
        if (text === undefined) problems.push(`--${name}: missing value`);
        else setPath(values, name, numberOrText(text));
      } else if (name.includes(".")) problems.push(`--${name}: unknown configuration key`);
      continue;
    }
    const text = takeValue();
    if (text === undefined) problems.push(`--${name}: missing value`);
    else setPath(values, name, coerce(key, text)); // an old name stays old until moveRenamedKeys
  }
  return { configPath, values, problems };
}

/** Inside a table the schema says what each value must be; flags can only tell numbers from text. */
function numberOrText(text: string): unknown {
  const n = Number(text);
  return text.trim() !== "" && !Number.isNaN(n) ? n : text;
}

function fromEnv(env: Record<string, string | undefined>): Tree {
  const values: Tree = {};
  for (const key of CONFIG_KEYS) {
    const text = env[key.env];
    if (text !== undefined && text !== "") setPath(values, key.path, coerce(key, text));
  }
  for (const { from, to } of RENAMED_KEYS) {
    const text = env[envName(from)];
    if (text !== undefined && text !== "") setPath(values, from, coerce(findKey(to)!, text));
  }
  return values;
}

async function fromToml(path: string): Promise<Tree> {
  const file = Bun.file(path);
  if (!(await file.exists())) throw new ConfigError([`--config ${path}: file not found`]);
  try {
    return Bun.TOML.parse(await file.text()) as Tree;
  } catch (err) {
    throw new ConfigError([`--config ${path}: not valid TOML: ${(err as Error).message}`]);
  }
}

/** Old key names used in the configuration a role loaded: one deprecation log line each. */
const deprecatedUses = new WeakMap<Config, readonly DeprecatedKeyUse[]>();

export function deprecatedKeyUses(config: Config): readonly DeprecatedKeyUse[] {
  return deprecatedUses.get(config) ?? [];
}

/** Validate a configuration tree (old key names accepted, as in files). */
export function validate(input: unknown, uses: DeprecatedKeyUse[] = []): Config {
  const tree = typeof input === "object" && input !== null ? moveRenamedKeys(structuredClone(input as Tree), "override", uses) : input;
  const result = configSchema.safeParse(tree);
  if (result.success) {
    if (uses.length) deprecatedUses.set(result.data, uses);
    return result.data;
  }
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.map(String).join(".") || "(root)";
    const old = uses.find((u) => u.replacement === key);
    return `${old ? `${key} (set as ${old.key})` : key}: ${issue.message}`;
  });
  throw new ConfigError(problems);
}

export async function loadConfig(options: LoadOptions = {}): Promise<Config> {
  const argv = options.argv ?? process.argv.slice(2);
  const env = options.env ?? process.env;
  const flags = parseFlags(argv);
  if (flags.problems.length) throw new ConfigError(flags.problems);
  const uses: DeprecatedKeyUse[] = [];
  let tree: Tree = {};
  if (flags.configPath) tree = merge(tree, moveRenamedKeys(await fromToml(flags.configPath), "file", uses));
  tree = merge(tree, moveRenamedKeys(fromEnv(env), "environment", uses));
  tree = merge(tree, moveRenamedKeys(flags.values, "flag", uses));
  if (options.overrides) {
    const o: Tree = {};
    for (const [path, value] of Object.entries(options.overrides)) setPath(o, path, value);
    tree = merge(tree, moveRenamedKeys(o, "override", uses));
  }
  return validate(tree, uses);
}

/**
 * For entrypoints: load, or print one line per problem and exit 2.
 */
export async function loadConfigOrExit(options: LoadOptions = {}): Promise<Config> {
  try {
    return await loadConfig(options);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) process.stderr.write(`signalbox: invalid configuration: ${problem}\n`);
      process.exit(2);
    }
    throw err;
  }
}
