/**
 * Hostile query texts per query language: seed queries mutated character by character
 * (NUL, quotes, braces, escapes, unicode), token soups and very long texts, each sent the
 * way a client would. To add a language, append an entry to QUERY_LANGUAGES: its seeds and
 * how one text becomes a request.
 */
import { HOSTILE_TEXTS, Random } from "./random.ts";

export interface QueryLanguage {
  name: string;
  seeds: readonly string[];
  /** Tokens a mutation may splice in. */
  tokens: readonly string[];
  /** How many texts a run sends (SQL opens a DuckDB per query: fewer). */
  count: number;
  /** The HTTP request carrying `text` (path relative to the router, and init); URLs carry UTF-8, so lone surrogates become U+FFFD. */
  request(text: string): { path: string; init?: RequestInit };
}

const get = (path: string) => ({ path });

export const QUERY_LANGUAGES: readonly QueryLanguage[] = [
  {
    name: "TraceQL",
    count: 100,
    seeds: [
      "{}",
      '{ .service.name = "my.service" }',
      '{ resource.service.name != "a" && span.http.status_code >= 500 }',
      '{ name =~ "I.*" } || { duration > 1ms }',
      "{ status = error } && { kind = server }",
      '{ .a = 1.5 && .b = true && .c != nil }',
    ],
    tokens: ["{", "}", "(", ")", "&&", "||", "=~", "!~", ">=", ".", "resource.", "span.", "duration", "1ms", "nil", '"', "\\", "status", "~"],
    request: (text) => get(`/api/search?q=${encodeURIComponent(text.toWellFormed())}&limit=5`),
  },
  {
    name: "TraceQL metrics",
    count: 80,
    seeds: [
      "{} | rate() by (resource.service.name)",
      "{ status = error } | count_over_time() by (span.http.route) | topk(3)",
      "{ nestedSetParent < 0 && true } | quantile_over_time(duration, .5, .9, .99) with(sample=true)",
      '{} | compare({ status = error }, 10)',
      '{ span.a = "x" } >> { span.b != nil } | histogram_over_time(duration)',
    ],
    tokens: ["{", "}", "(", ")", "|", ",", "by", "rate()", "topk(", "quantile_over_time(", "1e308", "-1", "nil", '"', "\\", "with(", "compare("],
    // Alternately range and instant queries over the last hour.
    request: (text) => {
      const q = encodeURIComponent(text.toWellFormed());
      const end = Math.floor(Date.now() / 1000);
      return text.length % 2 === 0
        ? get(`/api/metrics/query_range?q=${q}&start=${end - 3600}&end=${end}&step=60s`)
        : get(`/api/metrics/query?q=${q}&start=${end - 3600}&end=${end}`);
    },
  },
  {
    name: "Tempo tags",
    count: 60,
    seeds: ["service.name=my.service", "http.status_code=500 name=x", "a=b"],
    tokens: ["=", " ", '"', "%", ".", "service.name", "\u0000"],
    request: (text) => get(`/api/search?tags=${encodeURIComponent(text.toWellFormed())}&limit=5`),
  },
  {
    name: "Tempo tag name",
    count: 60,
    seeds: ["service.name", ".service.name", "resource.service.name", "span.http.method"],
    tokens: [".", "/", "..", "%2F", "\u0000", '"', "'"],
    request: (text) => get(`/api/v2/search/tag/${encodeURIComponent(text.toWellFormed())}/values`),
  },
  {
    name: "LogQL",
    count: 150,
    seeds: [
      '{service_name="my.service"}',
      '{service_name=~"my.+"} |= "Example" != "x" |~ "rec\\\\w+"',
      '{service_name="my.service", level!="debug"} !~ `a|b`',
      '{service_name=~".+"}',
    ],
    tokens: ["{", "}", "=", "=~", "!=", "!~", "|=", "|~", '"', "`", ",", "\\", "| json", "[5m]", "rate("],
    request: (text) => get(`/loki/api/v1/query_range?query=${encodeURIComponent(text.toWellFormed())}&limit=5`),
  },
  {
    name: "SQL",
    count: 40,
    seeds: [
      "select count(*) from traces",
      "select name, count(*) as n from traces group by 1 order by 2 desc limit 10",
      "select body, attributes from logs where body like '%Example%' limit 5",
      "select metric_name, avg(value_double) from metrics group by 1",
      "select service_name, max(duration_nano) from traces where start_time_unix_nano > 0 group by all",
    ],
    tokens: ["'", '"', ";", "--", "/*", "(", ")", "select", "from", "where", "union all", "pragma", "attach", "copy", "read_parquet(", "*", "::", "$1"],
    request: (text) => ({
      path: "/api/v1/sql",
      init: { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sql: text }) },
    }),
  },
  {
    name: "PromQL",
    count: 120,
    seeds: [
      "up",
      'sum by (job) (rate(http_requests_total{job=~"api|web"}[5m]))',
      "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
      'topk(3, max_over_time(process_cpu_seconds_total{instance!=""}[1h] offset 5m))',
      "rate(x_total[5m:30s]) * on(instance) group_left(version) build_info",
      'label_replace(up, "host", "$1", "instance", "(.*):.*") @ end()',
    ],
    tokens: ["(", ")", "{", "}", "[", "]", ":", "=~", "!~", "by", "without", "on(", "group_left", "offset", "@", "1y", "0s", "-1", "1e308", "NaN", '"', "\\", "sum(", "rate(", "quantile("],
    // Alternately instant and range queries over the last hour at a 1 m step.
    request: (text) => {
      const q = encodeURIComponent(text.toWellFormed());
      const end = Math.floor(Date.now() / 1000);
      return text.length % 2 === 0
        ? get(`/prometheus/api/v1/query?query=${q}&time=${end}`)
        : get(`/prometheus/api/v1/query_range?query=${q}&start=${end - 3600}&end=${end}&step=60`);
    },
  },
];

/** Text `i` of the run seeded `seed` for a language. */
export function mutatedQuery(language: QueryLanguage, seed: number, i: number): string {
  const rng = new Random(seed * 7_919 + i);
  let text = rng.pick(language.seeds);
  if (i % 10 === 0) return Array.from({ length: 1 + rng.int(30) }, () => rng.pick([...language.tokens, ...HOSTILE_TEXTS])).join(rng.pick(["", " "]));
  if (i % 25 === 1) return text + rng.pick(language.tokens).repeat(1 + rng.int(5_000));
  for (let k = 1 + rng.int(4); k > 0; k--) {
    const at = rng.int(text.length + 1);
    switch (rng.int(4)) {
      case 0: text = text.slice(0, at) + rng.pick(HOSTILE_TEXTS) + text.slice(at); break;
      case 1: text = text.slice(0, at) + text.slice(at + 1 + rng.int(4)); break;
      case 2: text = text.slice(0, at) + rng.pick(language.tokens) + text.slice(at); break;
      default: text = text.slice(0, at) + String.fromCharCode(rng.int(0x80)) + text.slice(at);
    }
  }
  return text;
}
