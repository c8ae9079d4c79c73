/**
 * The SQL of a log select (log-source.ts): the rows of the matching contexts (log-contexts.ts)
 * in a time range, with the hinted line filters, sorted by Loki time in the requested
 * direction and cut at a cap. Written so that DuckDB's Parquet scan skips what it can:
 * - a context's `service_name` column is the first sort key of the files, so rows are chosen
 *   per service value with a plain `service_name = 'x'` (a zone-map filter; an IN list or an
 *   OR of services is only an optional filter and every row group is read), and by context
 *   hash only where a service holds contexts the selector does not match;
 * - Loki's time is `time_unix_nano`, or the observed time when that is 0: the rows with a
 *   time and those without are separate branches of a UNION ALL, each filtering and ordering
 *   on a plain column, so the time range skips row groups by their statistics and a top-N
 *   (`ORDER BY … LIMIT`) pushes its running threshold into the scan — the newest rows are
 *   found without sorting the older ones.
 */
import { quoteLiteral } from "../../../../shared/duckdb/index.ts";
import type { LineFilterHint } from "../../../../shared/query/logql/index.ts";
import { CONTEXT_HASH_SQL, type RowContext } from "./log-contexts.ts";
import { lineFiltersSql } from "./line-filter-sql.ts";

/** Up to this many contexts are listed in the query; more are read from a temp table. */
const MAX_LISTED_CONTEXTS = 64;
/** Up to this many services get a branch of their own; more are chosen by context hash. */
const MAX_SERVICE_BRANCHES = 4;

/** The rarely set record fields, as one text (NULL when none is set). */
const EXTRAS_SQL =
  "CASE WHEN dropped_attributes_count <> 0 OR flags <> 0 OR event_name <> '' " +
  "THEN concat_ws(chr(1), dropped_attributes_count, flags, event_name) END";

export interface LogSelectPlan {
  view: string;
  /** Half-open [startNs, endNs) of Loki time. */
  startNs: bigint;
  endNs: bigint;
  direction: "forward" | "backward";
  /** Most rows to read (undefined: all). */
  cap?: number;
  /** The contexts whose rows are read. */
  matching: readonly RowContext[];
  /** Every context the view's rows of the matching contexts' services may have (a superset is fine)… */
  all: readonly RowContext[];
  /** …and, when true, of all the view's rows. */
  complete: boolean;
  lineFilters: readonly LineFilterHint[];
  /** A further SQL condition on the rows (log-samples.ts: the rows it leaves to the evaluator). */
  rowFilter?: string;
  /** A fresh name for the temp table of many matching contexts. */
  tempTable: () => string;
}

export interface LogSelectSql {
  /** Statements to run first (a temp table of contexts), in order. */
  setup: string[];
  /**
   * Columns: context hash (NULL when only one context matches), Loki time, observed time (0
   * when the record has no time), body, attributes, trace_id, span_id, extras (EXTRAS_SQL).
   */
  sql: string;
}

export function logSelectSql(plan: LogSelectPlan): LogSelectSql {
  const setup: string[] = [];
  const rowSets = contextConditions(plan, setup);
  const times = [`time_unix_nano >= ${plan.startNs} AND time_unix_nano < ${plan.endNs}${plan.startNs <= 0n ? " AND time_unix_nano <> 0" : ""}`];
  const untimed = `time_unix_nano = 0 AND observed_time_unix_nano >= ${plan.startNs} AND observed_time_unix_nano < ${plan.endNs}`;
  if (plan.matching.some((c) => c.untimed)) times.push(untimed);
  const filters = lineFiltersSql(plan.lineFilters);
  const branches: string[] = [];
  for (const rows of rowSets) {
    times.forEach((time, i) => {
      const where = [rows, time, filters, plan.rowFilter].filter((c): c is string => c !== undefined);
      branches.push(`SELECT *, ${i === 0 ? "time_unix_nano" : "observed_time_unix_nano"} AS _ts FROM ${plan.view} WHERE ${where.join(" AND ")}`);
    });
  }
  const context = plan.matching.length === 1 ? "NULL::UBIGINT" : CONTEXT_HASH_SQL;
  const order = plan.direction === "forward" ? "ASC" : "DESC";
  const limit = plan.cap !== undefined && Number.isFinite(plan.cap) ? ` LIMIT ${plan.cap}` : "";
  const sql =
    `SELECT ${context}, _ts, CASE WHEN time_unix_nano <> 0 THEN observed_time_unix_nano ELSE 0 END, body, attributes, trace_id, span_id, ${EXTRAS_SQL}
     FROM (${branches.join(" UNION ALL ")}) ORDER BY _ts ${order}${limit}`;
  return { setup, sql };
}

/** The row conditions (OR'ed, one branch each) that keep exactly the rows of the matching contexts; undefined: every row. */
function contextConditions(plan: LogSelectPlan, setup: string[]): (string | undefined)[] {
  if (plan.complete && plan.matching.length === plan.all.length) return [undefined];
  const matching = byService(plan.matching);
  const all = byService(plan.all);
  if (matching.size <= MAX_SERVICE_BRANCHES) {
    return [...matching].map(([service, contexts]) => {
      const same = `service_name = ${quoteLiteral(service)}`;
      return contexts.length === all.get(service)!.length ? same : `${same} AND ${hashIn(plan, contexts, setup)}`;
    });
  }
  return [hashIn(plan, plan.matching, setup)];
}

function hashIn(plan: LogSelectPlan, contexts: readonly RowContext[], setup: string[]): string {
  if (contexts.length <= MAX_LISTED_CONTEXTS) return `${CONTEXT_HASH_SQL} IN (${contexts.map((c) => c.hash).join(", ")})`;
  // Many contexts: a semi-join on a table of them, not a list searched on every row.
  const table = plan.tempTable();
  setup.push(`CREATE TEMP TABLE ${table} AS SELECT * FROM (VALUES ${contexts.map((c) => `(${c.hash}::UBIGINT)`).join(", ")}) t(h)`);
  return `${CONTEXT_HASH_SQL} IN (SELECT h FROM ${table})`;
}

export function byService(contexts: readonly RowContext[]): Map<string, RowContext[]> {
  const out = new Map<string, RowContext[]>();
  for (const c of contexts) {
    const list = out.get(c.fields.serviceName);
    if (list === undefined) out.set(c.fields.serviceName, [c]);
    else list.push(c);
  }
  return out;
}
