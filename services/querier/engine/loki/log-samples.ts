/**
 * Grouped samples of `| logfmt` metric queries in DuckDB (`LogSource.selectSamples`, parser
 * hints: shared/query/logql/parsed-samples.ts): `sum by (level) (count_over_time({…} | logfmt
 * [1m]))` and `quantile_over_time(…, {…} | logfmt | unwrap duration(latency) [5m]) by (…)`
 * need of each entry only its time and a few labels, so DuckDB extracts those few keys from the
 * lines and hands over one list of samples per group, read straight from its vectors
 * (list-columns.ts) — no line crosses into JavaScript. Per file, those lists are kept between
 * queries (log-sample-files.ts). Rows are chosen by context hash only where a matched service
 * also holds contexts the selector does not match; otherwise `service_name` alone chooses them.
 *
 * Exactness: SQL decides only the rows where its answer is provably the evaluator's —
 * - a string body without `\u` escapes (its line is the same text in SQL and JS);
 * - a "plain" logfmt line: whitespace-separated `key`, `key=`, `key=value` or `key="value"`,
 *   keys `[A-Za-z_][A-Za-z0-9_]*` (sanitising leaves them as they are), bare values without
 *   `"`/`=`, quoted ones without `\`, `"`, `=` or control characters, no U+FFFD anywhere — so
 *   Loki's decoder reads the same pairs a regex finds, and `k=` cannot occur inside a value
 *   (tested per row, but for the rows of files whose footer says their service holds only
 *   such lines: shared/loki/plain-logfmt.ts);
 * - no structured metadata that could change the labels read (parsed-samples.ts
 *   `deciderNames`): the context's metadata is known, a log attribute is ruled out when no
 *   attribute key holds the name's longest alphanumeric run (attributes with a `\` escape are
 *   never ruled out), the record fields (trace_id, detected_level, …) are refused up front;
 * - an unwrapped value SQL converts as JavaScript does: digits (a plain number), or digits and
 *   one Go duration unit (an integer number of nanoseconds below 2^53), or no value at all.
 * Every other row goes to `select` with the complementary condition, and the evaluator runs
 * its pipeline on it — with a few such rows, both reads are made; with none, one.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { quoteLiteral } from "../../../../shared/duckdb/index.ts";
import { LOKI_TIME_SQL, PLAIN_LOGFMT_BARE as BARE, PLAIN_LOGFMT_BODY, structuredMetadata } from "../../../../shared/loki/index.ts";
import { deciderNames, parsedKeys, type LogSampleAnswer, type LogSampleRequest, type LogSelectRequest, type LogStream } from "../../../../shared/query/logql/index.ts";
import { lineFilterSql, STRING_LINE_SQL } from "./line-filter-sql.ts";
import { byService } from "./log-select-sql.ts";
import { readFileSamples, type SampleFiles, type SampleViews } from "./log-sample-files.ts";
import { CONTEXT_HASH_SQL, type RowContext } from "./log-contexts.ts";
import { stopIfAborted } from "./log-source.ts";

/** What log-samples.ts needs of DuckDBLogSource. */
export interface SampleSourceParts {
  linesRead: number;
  bytesRead: number;
  matchingContexts(request: Pick<LogSelectRequest, "matchers">): Promise<{ contexts: RowContext[]; all: readonly RowContext[]; complete: boolean }>;
  select(request: LogSelectRequest, signal?: AbortSignal, rowFilter?: string): Promise<LogStream[]>;
  /** The files whose samples may be kept between queries (log-sample-files.ts); absent: none are. */
  sampleFiles?(): Promise<SampleFiles | undefined>;
  /** The files whose footers say every row of `services` is a plain logfmt line (shared/loki/plain-logfmt.ts). */
  plainLogfmtFiles(services: readonly string[]): Promise<ReadonlySet<string>>;
  /** Views over the files (`some` of them, or all), those in `plain` apart, with `_file` and `_row` when `locate` (log-sample-files.ts). */
  sampleViews(plain: ReadonlySet<string>, some: readonly string[] | undefined, locate: boolean): Promise<SampleViews>;
}

/** Metadata an entry's own record fields give: per row, so a request needing one is declined. */
const ROW_METADATA = new Set(["observed_timestamp", "dropped_attributes_count", "flags", "trace_id", "span_id", "event_name", "detected_level"]);
/** Contexts searched per row by position in a list; with more, the request is declined. */
const MAX_CONTEXTS = 64;

const DURATION_UNITS_NS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, "μs": 1e3, ms: 1e6, s: 1e9, m: 6e10, h: 3.6e12 };
const DURATION = String.raw`([1-9][0-9]{0,11})(ns|us|\x{B5}s|\x{3BC}s|ms|s|m|h)`;

const regexEscape = (s: string) => s.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&");

export async function selectLogSamples(
  connection: DuckDBConnection,
  view: string,
  source: SampleSourceParts,
  request: LogSampleRequest,
  signal: AbortSignal | undefined,
): Promise<LogSampleAnswer | undefined> {
  if (request.parser !== "logfmt" || request.unwrap?.conversion === "bytes") return undefined;
  const needed = [...request.groupBy, ...(request.unwrap ? [request.unwrap.label] : [])];
  const deciders = deciderNames(needed);
  if ([...deciders].some((n) => ROW_METADATA.has(n))) return undefined;
  const { contexts, all, complete } = await source.matchingContexts(request);
  const hashes = contexts.map((c) => c.hash);
  stopIfAborted(signal);
  if (contexts.length === 0) return { groups: [], rest: [] };
  if (contexts.length > MAX_CONTEXTS) return undefined;
  const serviceFilter = serviceNameFilter(contexts, all, complete);
  const time = [`${LOKI_TIME_SQL} >= ${request.startNs} AND ${LOKI_TIME_SQL} < ${request.endNs}`, ...serviceFilter].join(" AND ");

  // Contexts whose own metadata (resource, scope, severity) holds a decider: all their rows go to the evaluator.
  const open = contexts.map((c, i) => ({ c, i: i + 1 })).filter(({ c }) => !Object.keys(contextMetadata(c)).some((n) => deciders.has(n)));
  const unwrap = request.unwrap;
  const arms = (sqlOf: (c: RowContext) => string) => new Set(open.map(({ c }) => sqlOf(c))).size;
  // The row's context is computed only when the rows of the contexts differ in what SQL reads of them.
  const needContext =
    open.length < contexts.length || arms((c) => needed.map((n) => labelValueSql(n, c, "b")).join()) > 1;
  const ctxSql = needContext && contexts.length > 1 ? `list_position([${hashes.join(", ")}]::UBIGINT[], ${CONTEXT_HASH_SQL})` : "1";
  const labelSql = (name: string, body: string, ctx: string) => perContext(open, ctx, (c) => labelValueSql(name, c, body));
  // With one key read in every context, most rows' value is read by one short search (`quickUnwrapSql`).
  const quickKey = unwrap ? singleKey(unwrap.label, open) : undefined;
  /** Whether SQL decides a row, over its body, context, attributes and unwrapped text; `quick`: whether its value was read by `quickUnwrapSql`. */
  const decidable = (body: string, ctx: string, attributes: string, text: string, number: string, plainKnown = false, quick?: string) =>
    "coalesce(" +
    [
      ...(plainKnown ? [] : [`regexp_full_match(${body}, ${quoteLiteral(PLAIN_LOGFMT_BODY)})`]),
      `NOT ${attributeMayHold([...deciders], attributes)}`,
      ...(open.length < contexts.length ? [`${ctx} IN (${open.map((o) => o.i).join(", ") || "NULL"})`] : []),
      ...(unwrap ? [unwrapDecidable(`(coalesce(${text}, '') = '' OR ${convertible(text, number, unwrap.conversion)})`, number, unwrap.conversion, quick)] : []),
    ].join(" AND ") +
    ", false)";
  const where = [time, ...(servicesHoldOthers(contexts, all) ? [`${CONTEXT_HASH_SQL} IN (${hashes.join(", ")})`] : []), ...(request.lineFilters ?? []).map((f) => `coalesce(${lineFilterSql(f, STRING_LINE_SQL)}, true)`)];
  // Lines read are counted for Loki's stats; their bytes as stored (a quote's escape included).
  const fields = unwrap ? `{t: (t - ${request.startNs})::DOUBLE, v: v}` : `{t: (t - ${request.startNs})::DOUBLE}`;
  // Layered so each expression is computed once per row: context and line, unwrapped text and
  // its number, decision, labels. The labels and the value are computed on every row, not under
  // `CASE WHEN d`: a row SQL does not decide is only counted (its labels merely split the
  // counted groups), and DuckDB runs a regex in a CASE branch markedly slower than on the
  // whole vector.
  const quick = unwrap && quickKey !== undefined ? { key: quickKey, conversion: unwrap.conversion } : undefined;
  const text = !unwrap ? "'1'" : quick ? `CASE WHEN q THEN x.k ELSE ${labelSql(unwrap.label, "b", "c")} END` : labelSql(unwrap.label, "b", "c");
  const number = !unwrap ? "1" : quick ? `CASE WHEN q THEN ${quickNumberSql("x", quick.conversion)} ELSE ${numberSql("u", unwrap.conversion)} END` : numberSql("u", unwrap.conversion);
  /** The rows read, with the short read's value `x` and whether it holds `q` when there is one. */
  const read = (from: string, byFile: boolean) => {
    const source = `SELECT ${ctxSql} AS c, ${LOKI_TIME_SQL} AS t, body AS b, attributes AS a${byFile ? ", _file AS f" : ""} FROM ${from} WHERE ${where.join(" AND ")}`;
    if (!quick) return source;
    return `SELECT *, ${quickUnwrapSql(quick.key, "b", "x")} AS q FROM (SELECT *, ${quickExtractSql(quick.key, quick.conversion, "b")} AS x FROM (${source}))`;
  };
  const rows = (from: string, byFile: boolean, plainKnown: boolean) => `
      SELECT d, d AND coalesce(u, '') <> '' AS s, t, b, ${unwrap ? valueSql("n", unwrap.conversion) : "1"} AS v
             ${request.groupBy.map((name, i) => `, ${labelSql(name, "b", "c")} AS g${i}`).join("")}${byFile ? ", f" : ""}
      FROM (
        SELECT *, ${decidable("b", "c", "a", "u", "n", plainKnown, quick ? "q" : undefined)} AS d
        FROM (
          SELECT *, ${number} AS n
          FROM (
            SELECT *, ${text} AS u
            FROM (${read(from, byFile)}))))`;
  // The rows of files whose footer vouches for their lines skip the plain-logfmt test.
  const sql = (views: SampleViews, byFile: boolean) => `
    SELECT d, s, ${request.groupBy.map((_, i) => `g${i}, `).join("")}count(*)::DOUBLE, sum(strlen(b) - 18)::DOUBLE, list(${fields}) FILTER (WHERE s)${byFile ? ", f" : ""}
    FROM (${[...(views.plain !== null ? [rows(views.plain, byFile, true)] : []), ...(views.rest !== null ? [rows(views.rest, byFile, false)] : [])].join(" UNION ALL ")})
    GROUP BY ALL`;
  // The rows left over are chosen by the general path alone: a value read the short way is the
  // general path's value, and decided alike (`quickUnwrapSql`), so the two choose the same rows.
  const restText = unwrap ? labelSql(unwrap.label, "body", ctxSql) : "'1'";
  const rowFilter = `NOT ${decidable("body", ctxSql, "attributes", restText, unwrap ? numberSql(restText, unwrap.conversion) : "1")}`;
  const plain = serviceFilter.length === 0 ? new Set<string>() : await source.plainLogfmtFiles([...byService(contexts).keys()]);
  const views = (some: readonly string[] | undefined, locate: boolean) =>
    plain.size === 0 && !locate ? Promise.resolve({ plain: null, rest: view }) : source.sampleViews(plain, some, locate);
  const { groups, restRows } = await readFileSamples(connection, views, source, request, sql, signal);
  const rest =
    restRows === 0 ? []
    : await source.select(
        { matchers: request.matchers, startNs: request.startNs, endNs: request.endNs, direction: "forward", ...(request.lineFilters ? { lineFilters: request.lineFilters } : {}) },
        signal,
        rowFilter,
      );
  return { groups, rest };
}

/**
 * The matching contexts' `service_name` values as a filter on the rows: the files are sorted
 * by that column, and an equality lets DuckDB skip the other services' row groups (an IN list
 * is not tested against row-group statistics, but still narrows what is decoded).
 */
function serviceNameFilter(contexts: readonly RowContext[], all: readonly RowContext[], complete: boolean): string[] {
  if (complete && contexts.length === all.length) return [];
  const services = [...byService(contexts).keys()].map(quoteLiteral);
  return [services.length === 1 ? `service_name = ${services[0]}` : `service_name IN (${services.join(", ")})`];
}

/** Whether the matching contexts' services also hold contexts that do not match: only then must rows be told apart by context hash. */
function servicesHoldOthers(contexts: readonly RowContext[], all: readonly RowContext[]): boolean {
  const matching = byService(contexts);
  let inServices = 0;
  for (const c of all) if (matching.has(c.fields.serviceName)) inServices++;
  return inServices > contexts.length;
}

/** The metadata every row of a context carries (resource, scope, severity): no log attribute, no record field. */
function contextMetadata(c: RowContext): Record<string, string> {
  const row = { ...c.fields, timeUnixNano: 0n, observedTimeUnixNano: 0n, body: "", attributes: "", traceId: "", spanId: "", droppedAttributesCount: 0, flags: 0, eventName: "" };
  const out = { ...structuredMetadata(row, c.resource, "") };
  delete out.detected_level;
  return out;
}

/**
 * True when a row's log attributes may hold one of `names` (OTLP keys are sanitised into names,
 * pushed ones kept): some attribute key contains a name's longest alphanumeric run (the run
 * `key` of a `key_`-prefixed name may be the prefix, so it is left out), or the text escapes.
 */
function attributeMayHold(names: readonly string[], attributes: string): string {
  const runs: string[] = [];
  for (const name of names) {
    const parts = name.split(/[^A-Za-z0-9]+/).filter((p) => p !== "");
    if (name.startsWith("key_")) parts.shift();
    if (parts.length === 0) return "true";
    runs.push(parts.reduce((a, b) => (b.length > a.length ? b : a)));
  }
  const keyPattern = String.raw`"key"\s*:\s*"[^"]*(?:${runs.map(regexEscape).join("|")})`;
  // The regex matches only a text holding some run, and most rows' attributes hold none: the
  // plain substring tests decide those, and the regex runs on the others (under CASE, as an
  // OR does not spare DuckDB its right side).
  const holdsRun = runs.map((run) => `contains(${attributes}, ${quoteLiteral(run)})`).join(" OR ");
  return String.raw`coalesce(contains(${attributes}, '\') OR CASE WHEN ${holdsRun} THEN regexp_matches(${attributes}, ${quoteLiteral(keyPattern)}) ELSE false END, false)`;
}

/** An SQL expression chosen by the row's context: one CASE arm per distinct expression. */
function perContext(contexts: readonly { c: RowContext; i: number }[], ctx: string, sqlOf: (c: RowContext) => string): string {
  const arms = new Map<string, number[]>();
  for (const { c, i } of contexts) {
    const sql = sqlOf(c);
    arms.set(sql, [...(arms.get(sql) ?? []), i]);
  }
  if (arms.size === 0) return "NULL";
  if (arms.size === 1) return [...arms.keys()][0]!;
  return `CASE ${[...arms].map(([sql, ids]) => `WHEN ${ctx} IN (${ids.join(", ")}) THEN ${sql}`).join(" ")} END`;
}

/** A label's value after `| logfmt` on a decidable row (`body`, its JSON text) of context `c`; NULL or '' when it has none. */
function labelValueSql(name: string, c: RowContext, body: string): string {
  const { keys, fallback } = parsedKeys(name, c.resource.labels);
  const fallbackSql = fallback === "" ? "NULL" : quoteLiteral(fallback);
  if (keys.length === 0) return fallbackSql;
  // The first pair with a non-empty value: a plain line has no `k=` inside a value, and a `"`
  // before a key is the line's start (a closing quote is followed by a space). So the pair is
  // the line's first, or the first found after a space: two searches, as one over `[" ]` has
  // no single first byte for RE2 to skip to and reads the whole line byte by byte. The value's
  // quotes, `\"`, are its only backslashes and quotes: trimming them leaves the value.
  const pair = String.raw`(?:${keys.map(regexEscape).join("|")})=(\\"[^"\\]+\\"|${BARE}+)`;
  const first = `regexp_extract(${body}, ${quoteLiteral(String.raw`^\{"stringValue":"${pair}`)}, 1)`;
  const later = `regexp_extract(${body}, ${quoteLiteral(` ${pair}`)}, 1)`;
  // With one key, the search after a space starts as a plain substring search (no regex reads
  // the bytes before it): the value right after the first ` k=` is `later`'s whenever it is
  // not empty (the pattern begins with that text, and the text is cut only at its next
  // occurrence, which begins with a space, where no value runs on); else `later` looks on.
  // DuckDB's coalesce runs a later argument only on the rows still NULL, but one wrapped in
  // `nullif` (a CASE) was measured to cost as if run on every row: so the two first searches
  // are merged before their one `nullif`, and the rows whose line begins with the key pay for
  // neither of the others.
  const value = String.raw`^(\\"[^"\\]+\\"|${BARE}+)`;
  const leading = keys.length === 1 ? `nullif(coalesce(nullif(${first}, ''), regexp_extract(split_part(${body}, ${quoteLiteral(` ${keys[0]}=`)}, 2), ${quoteLiteral(value)}, 1)), '')` : `nullif(${first}, '')`;
  // A quoted value's only quotes and backslashes are its `\"` at both ends, a bare value has
  // none: removing every `\"` is trimming them, without `trim`'s per-row set of characters.
  return `coalesce(nullif(replace(coalesce(${leading}, ${later}), '\\"', ''), ''), ${fallbackSql})`;
}

/** The one key `| logfmt` reads `name` from in every context of `open`; undefined when some context reads none or several. */
function singleKey(name: string, open: readonly { c: RowContext }[]): string | undefined {
  const keys = new Set(open.map(({ c }) => parsedKeys(name, c.resource.labels).keys.join("\u0000")));
  const [key] = keys;
  return keys.size === 1 && key !== undefined && key !== "" && !key.includes("\u0000") ? key : undefined;
}

/**
 * The unwrapped value read the cheap way, as `{k, un}` (digits and duration unit; '' when not
 * read): the text after the body's first ` key=`, when it begins with a value SQL converts (see
 * the header: digits, or digits and one unit) ended by a space or the line's end (`"` on a plain
 * line: a bare value holds no `"` or `\`). One search that copies the rest of the line and one
 * anchored regex cost markedly less than the general value's searches plus the duration's
 * suffix tests and shape regex. The general path (`labelValueSql`) is kept for the other rows.
 */
function quickExtractSql(key: string, conversion: string, body: string): string {
  const shape = conversion === "" ? "([0-9]{1,15})()" : DURATION;
  return `regexp_extract(split_part(${body}, ${quoteLiteral(` ${key}=`)}, 2), ${quoteLiteral(`^${shape}[ "]`)}, ['k', 'un'])`;
}

/**
 * Whether `quickExtractSql` read the row's value: it found one, and the line does not begin with
 * the key (whose pair would come first, and is not preceded by a space). On a plain line the
 * first ` key=` then holds the first pair with a non-empty value — `labelValueSql`'s answer —
 * as `k=` cannot occur inside a value. On other rows the answer is not used (they are not decided).
 */
function quickUnwrapSql(key: string, body: string, x: string): string {
  return `(${x}.k <> '' AND NOT starts_with(${body}, ${quoteLiteral(`{"stringValue":"${key}=`)}))`;
}

/** `numberSql` of a value `quickExtractSql` read, from its digits and unit: the same doubles, computed the same way. */
function quickNumberSql(x: string, conversion: string): string {
  if (conversion === "") return `TRY_CAST(${x}.k AS DOUBLE)`;
  const arms = Object.entries(DURATION_UNITS_NS).map(([unit, ns]) => `WHEN ${quoteLiteral(unit)} THEN ${ns}::DOUBLE`);
  return `(TRY_CAST(${x}.k AS DOUBLE) * CASE ${x}.un ${arms.join(" ")} END)`;
}

/** The unwrap part of `decidable`: a quickly read value is convertible by its shape (a duration still needs its nanoseconds below 2^53). */
function unwrapDecidable(general: string, number: string, conversion: string, quick: string | undefined): string {
  if (quick === undefined) return general;
  return `(CASE WHEN ${quick} THEN ${conversion === "" ? "true" : `${number} < 9007199254740992`} ELSE ${general} END)`;
}

/** The unwrapped text as a number, before `valueSql`: the plain number, or the duration's nanoseconds (NULL when it is neither). */
function numberSql(text: string, conversion: string): string {
  return conversion === "" ? `TRY_CAST(${text} AS DOUBLE)` : durationNsSql(text);
}

/** SQL converts the text exactly as the evaluator would (see the header); `number` is its `numberSql`. */
function convertible(text: string, number: string, conversion: string): string {
  if (conversion === "") return `regexp_full_match(${text}, '[0-9]{1,15}')`;
  return `(regexp_full_match(${text}, ${quoteLiteral(DURATION)}) AND ${number} < 9007199254740992)`;
}

/** The unwrapped value of its `numberSql`: a plain number, or Go's duration in seconds as goDurationSeconds computes it (whole nanoseconds / 1e9). */
function valueSql(number: string, conversion: string): string {
  return conversion === "" ? number : `(${number} / 1e9)`;
}

/**
 * Digits times the unit's nanoseconds, in doubles: exact while below 2^53, which `convertible`
 * requires. On a text `DURATION` matches whole, the unit is the suffix and the digits the rest
 * (the two-letter units tested first: `ms` also ends in `s`).
 */
function durationNsSql(text: string): string {
  const arms = Object.entries(DURATION_UNITS_NS)
    .sort(([a], [b]) => b.length - a.length)
    .map(([unit, ns]) => `WHEN ends_with(${text}, ${quoteLiteral(unit)}) THEN TRY_CAST(left(${text}, length(${text}) - ${unit.length}) AS DOUBLE) * ${ns}::DOUBLE`);
  return `(CASE ${arms.join(" ")} END)`;
}
