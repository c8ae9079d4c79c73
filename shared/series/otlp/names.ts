/**
 * OTLP metric and attribute names → Prometheus names, by the rules of Prometheus's own OTLP
 * translation (prometheus/otlptranslator, "underscore escaping with suffixes", the default):
 * characters outside `[a-zA-Z0-9:]` split the name into words joined by `_`; the unit
 * becomes a suffix (`s` → `_seconds`, `By/s` → `_bytes_per_second`, `{request}` → nothing);
 * monotonic cumulative sums end in `_total`, gauges of unit `1` in `_ratio`.
 */

/** How the name builder sees a metric: only these decide the suffixes. */
export type NamingKind = "counter" | "gauge" | "other";

const UNITS: Readonly<Record<string, string>> = {
  d: "days", h: "hours", min: "minutes", s: "seconds", ms: "milliseconds", us: "microseconds", ns: "nanoseconds",
  By: "bytes", KiBy: "kibibytes", MiBy: "mebibytes", GiBy: "gibibytes", TiBy: "tibibytes",
  KBy: "kilobytes", MBy: "megabytes", GBy: "gigabytes", TBy: "terabytes",
  m: "meters", V: "volts", A: "amperes", J: "joules", W: "watts", g: "grams",
  Cel: "celsius", Hz: "hertz", "1": "", "%": "percent",
};

const PER_UNITS: Readonly<Record<string, string>> = { s: "second", m: "minute", h: "hour", d: "day", w: "week", mo: "month", y: "year" };

const METRIC_WORD = /[a-zA-Z0-9:]+/g;

/** The Prometheus metric name of an OTLP metric (histograms and summaries: the family name). */
export function prometheusMetricName(name: string, unit: string, kind: NamingKind): string {
  let words: string[] = [...(name.match(METRIC_WORD) ?? [])];
  const [main, per] = unitSuffixes(unit);
  if (main !== "" && !words.includes(main)) words.push(main);
  if (per !== "" && !words.includes(per)) words.push(per);
  if (kind === "counter") words = [...words.filter((w) => w !== "total"), "total"];
  if (unit === "1" && kind === "gauge") words = [...words.filter((w) => w !== "ratio"), "ratio"];
  const joined = words.join("_");
  return /^[0-9]/.test(joined) ? `_${joined}` : joined;
}

/** Unit → [main suffix, per suffix], each already cleaned to metric-name characters. */
function unitSuffixes(unit: string): [string, string] {
  const slash = unit.indexOf("/");
  const mainText = (slash < 0 ? unit : unit.slice(0, slash)).trim();
  const perText = slash < 0 ? "" : unit.slice(slash + 1).trim();
  const main = mainText !== "" && !/[{}]/.test(mainText) ? cleanUnit(UNITS[mainText] ?? mainText) : "";
  const perWord = perText !== "" && !/[{}]/.test(perText) ? (PER_UNITS[perText] ?? perText) : "";
  const per = perWord === "" ? "" : cleanUnit(`per_${perWord}`).replace(/_$/, "");
  return [per !== "" ? main.replace(/_$/, "") : main, per === "per" ? "" : per];
}

function cleanUnit(unit: string): string {
  return unit.replace(/[^a-zA-Z0-9:]/g, "_").replace(/_+/g, "_").replace(/^_/, "");
}

/**
 * An attribute key as a Prometheus label name: characters outside `[a-zA-Z0-9]` become `_`
 * (runs collapse to one), a leading digit gets `key_`, `__x__` keeps its double underscores.
 * Returns "" for a key that would be only underscores (Prometheus drops such labels).
 */
export function prometheusLabelName(key: string): string {
  if (key === "") return "";
  const reserved = key.length >= 4 && key.startsWith("__") && key.endsWith("__");
  const core = (reserved ? key.slice(2, -2) : key).replace(/[^a-zA-Z0-9]+/g, "_");
  let name = reserved ? `__${core}__` : core;
  if (/^[0-9]/.test(name)) name = `key_${name}`;
  return /^_*$/.test(name) ? "" : name;
}
