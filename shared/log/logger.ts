/**
 * Structured logging: one line per event. JSON for machines (the default), a short
 * human-readable form for terminals. Every line names its level, role and event; the
 * remaining fields are the event's own facts.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "json" | "pretty";
export type LogFields = Record<string, unknown>;

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Fields stamped on every line (role, instance id ...). */
  bindings?: LogFields;
  /** Where lines go; tests capture them. Defaults to stderr. */
  sink?: (line: string) => void;
}

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger whose lines also carry `bindings`. */
  child(bindings: LogFields): Logger;
  readonly level: LogLevel;
}

const defaultSink = (line: string) => process.stderr.write(line + "\n");

/** Errors do not serialise with JSON.stringify; turn them into their message (and code). */
function plain(value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return code === undefined ? value.message : `${value.message} (code ${String(code)})`;
  }
  if (typeof value === "bigint") return value.toString();
  return value;
}

function formatPretty(level: LogLevel, event: string, fields: LogFields): string {
  const time = new Date().toISOString().slice(11, 23);
  const { role, instance, ...rest } = fields;
  const who = [role, typeof instance === "string" ? instance.slice(0, 8) : undefined].filter(Boolean).join("/");
  const facts = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(plain(v))}`)
    .join(" ");
  return `${time} ${level.toUpperCase().padEnd(5)} ${who ? `[${who}] ` : ""}${event}${facts ? " " + facts : ""}`;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? envLevel() ?? "info";
  const format = options.format ?? envFormat() ?? "json";
  const bindings = options.bindings ?? {};
  const sink = options.sink ?? defaultSink;
  const threshold = LEVEL_RANK[level];

  const write = (lvl: LogLevel, event: string, fields?: LogFields) => {
    if (LEVEL_RANK[lvl] < threshold) return;
    const all: LogFields = { ...bindings, ...fields };
    if (format === "pretty") return sink(formatPretty(lvl, event, all));
    const record: LogFields = { ts: new Date().toISOString(), level: lvl, event };
    for (const [k, v] of Object.entries(all)) record[k] = plain(v);
    sink(JSON.stringify(record));
  };

  return {
    level,
    debug: (e, f) => write("debug", e, f),
    info: (e, f) => write("info", e, f),
    warn: (e, f) => write("warn", e, f),
    error: (e, f) => write("error", e, f),
    child: (more) => createLogger({ level, format, sink, bindings: { ...bindings, ...more } }),
  };
}

function envLevel(): LogLevel | undefined {
  const v = process.env.SIGNALBOX_LOG_LEVEL;
  return v && v in LEVEL_RANK ? (v as LogLevel) : undefined;
}

function envFormat(): LogFormat | undefined {
  const v = process.env.SIGNALBOX_LOG_FORMAT;
  return v === "json" || v === "pretty" ? v : undefined;
}
