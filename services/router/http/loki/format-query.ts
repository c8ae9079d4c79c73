/**
 * `GET|POST /loki/api/v1/format_query?query=…`: the query parsed and printed back in Loki's
 * canonical form — its syntax tree's `String()` (grafana/loki `pkg/logql/syntax/ast.go`):
 * matchers `name="value"`, stages ` | json`, numeric and duration filters without spaces
 * (`status>=500`, `latency>250ms`), `and` label filters as `( a , b )`, binary operations in
 * parentheses, `sum by (level)(…)`, `vector(1.000000)`. Answer: `{ status: "success", data }`.
 * Loki pretty-prints queries longer than 100 characters over several indented lines; this
 * prints every query on one line.
 */
import type { Hono } from "hono";
import {
  humanizeBytes, parseLogQL, type LabelFilterExpr, type LabelMatcher, type LogQuery, type LogRange, type MetricExpr, type Stage,
} from "../../../../shared/query/logql/index.ts";
import type { RouterEnv } from "../env.ts";
import { duration as promDuration } from "../prometheus/format-query.ts";
import type { RouteDeps } from "../route-deps.ts";
import { requiredQuery } from "./meta-params.ts";
import { goDuration } from "./params.ts";
import { lokiRoute } from "./query.ts";

export function registerFormatQueryRoute(app: Hono<RouterEnv>, deps: RouteDeps): void {
  lokiRoute(app, deps, "/loki/api/v1/format_query", async (c, params) => c.json({ status: "success", data: formatLogQL(requiredQuery(params)) }));
}

export function formatLogQL(query: string): string {
  const expr = parseLogQL(query);
  return expr.kind === "log" ? logQuery(expr) : metric(expr);
}

const quote = (s: string) => JSON.stringify(s);
const matcher = (m: Pick<LabelMatcher, "name" | "op" | "value">) => `${m.name}${m.op}${quote(m.value)}`;

function logQuery(q: LogQuery): string {
  const selector = `{${q.matchers.map(matcher).join(", ")}}`;
  return q.pipeline.length === 0 ? selector : `${selector} ${q.pipeline.map(stage).join(" ")}`;
}

function stage(s: Stage): string {
  switch (s.kind) {
    case "line_filter": {
      const term = (value: string, ip?: boolean) => (ip ? `ip(${quote(value)})` : quote(value));
      return [`${s.op} ${term(s.value, s.ip)}`, ...(s.or ?? []).map((t) => term(t.value, t.ip))].join(" or ");
    }
    case "json":
      return s.params.length === 0 ? "| json" : `| json ${s.params.map((p) => `${p.name}=${quote(p.expression)}`).join(",")}`;
    case "logfmt": {
      const flags = [s.strict ? "--strict" : "", s.keepEmpty ? "--keep-empty" : ""].filter((f) => f !== "");
      if (s.params.length === 0) return ["| logfmt", ...flags].join(" ");
      return `| logfmt ${flags.map((f) => `${f} `).join("")}${s.params.map((p) => `${p.name}=${quote(p.expression)}`).join(",")}`;
    }
    case "regexp":
    case "pattern":
      return `| ${s.kind} ${quote(s.pattern)}`;
    case "unpack":
    case "decolorize":
      return `| ${s.kind}`;
    case "label_filter":
      return `| ${labelFilter(s.filter)}`;
    case "line_format":
      return `| line_format ${quote(s.template)}`;
    case "label_format":
      return `| label_format ${s.items.map((i) => `${i.name}=${i.rename ?? quote(i.template ?? "")}`).join(",")}`;
    case "drop":
    case "keep":
      return `| ${s.kind} ${s.labels.map((l) => (l.matcher ? matcher(l.matcher) : l.name)).join(",")}`;
  }
}

function labelFilter(f: LabelFilterExpr): string {
  switch (f.kind) {
    case "and":
      return `( ${labelFilter(f.left)} , ${labelFilter(f.right)} )`;
    case "or":
      return `( ${labelFilter(f.left)} or ${labelFilter(f.right)} )`;
    case "string":
      return matcher(f.matcher);
    case "ip":
      return `${f.name}${f.negated ? "!=" : "="}ip(${quote(f.cidr)})`;
    case "number":
      return `${f.name}${f.op}${goFloat(f.value)}`;
    case "duration":
      return `${f.name}${f.op}${goDurationSeconds(f.value)}`;
    case "bytes":
      return `${f.name}${f.op}${humanizeBytes(f.value)}`;
  }
}

function logRange(r: LogRange): string {
  let out = logQuery(r.query);
  if (r.unwrap) {
    const u = r.unwrap;
    out += u.conversion ? ` | unwrap ${u.conversion}(${u.label})` : ` | unwrap ${u.label}`;
    for (const f of u.postFilters) out += ` | ${labelFilter(f)}`;
  }
  out += `[${promDuration(Number(r.rangeNs / 1_000_000n))}]`;
  if (r.offsetNs !== 0n) out += ` offset ${goDuration(r.offsetNs)}`;
  return out;
}

const grouping = (g: { without: boolean; labels: string[] } | undefined) => (g ? ` ${g.without ? "without" : "by"} (${g.labels.join(",")})` : "");

function metric(e: MetricExpr): string {
  switch (e.kind) {
    case "range_aggregation":
      return `${e.op}(${e.param !== undefined ? `${goFloat(e.param)},` : ""}${logRange(e.range)})${grouping(e.grouping)}`;
    case "vector_aggregation": {
      const params = e.param !== undefined ? `${Math.trunc(e.param)},${metric(e.expr)}` : metric(e.expr);
      return `${e.op}${grouping(e.grouping)}(${params})`;
    }
    case "binary": {
      let op: string = e.op;
      if (e.modifier.returnBool) op += " bool";
      const { matching, group } = e.modifier;
      if (matching) op += ` ${matching.on ? "on" : "ignoring"} (${matching.labels.join(",")}) ${group ? `group_${group.side} (${group.include.join(",")})` : ""}`;
      return `(${metric(e.lhs)} ${op} ${metric(e.rhs)})`;
    }
    case "literal":
      return goFloat(e.value);
    case "vector":
      return `vector(${e.value.toFixed(6)})`;
    case "label_replace":
      return `label_replace(${metric(e.expr)},${[e.dst, e.replacement, e.src, e.regex].map(quote).join(",")})`;
  }
}

/** Go's shortest float text (`strconv.FormatFloat(v, 'f', -1, 64)` for ordinary values). */
function goFloat(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "+Inf" : "-Inf";
  return String(v);
}

/** Go's `time.Duration.String()` of a duration in seconds (`250ms`, `1.5s`, `1h0m0s`). */
function goDurationSeconds(seconds: number): string {
  const ns = BigInt(Math.round(seconds * 1e9));
  const sign = ns < 0n ? "-" : "";
  const abs = ns < 0n ? -ns : ns;
  if (abs === 0n) return "0s";
  if (abs >= 1_000_000_000n) return sign + goDuration(abs);
  const [unit, size] = abs >= 1_000_000n ? ["ms", 1e6] : abs >= 1_000n ? ["µs", 1e3] : ["ns", 1];
  return `${sign}${Number(abs) / size}${unit}`;
}
