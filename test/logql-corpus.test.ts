/**
 * The LogQL corpus (shared/query/logql/README.md, "Corpus"): Loki's parser test table, Loki's
 * pipeline-stage test tables and the documentation examples on a fixed data set, each answer
 * equal to Loki's. The few deliberate differences are listed here and in the README, and are
 * asserted as they are (not skipped).
 */
import { describe, expect, test } from "bun:test";
import { evaluateLogQL, logQueriesOf, MemoryLogSource, parseLogQL, requireNarrowingMatcher } from "../shared/query/logql/index.ts";
import type { LogResultEntry } from "../shared/query/logql/index.ts";
import { at, CASES, DATASET, QUERY_TIME, T0 } from "./fixtures/logql/corpus.ts";
import parserFixture from "./fixtures/logql/loki-parser-cases.json";
import stageFixture from "./fixtures/logql/loki-stage-cases.json";

type Labels = Record<string, string>;

/** Loki's parser cases we answer differently on purpose (README.md, "Differences"). */
const PARSER_DIFFERENCES: Record<string, string> = {
  "count_over_time({foo=~`bar\\w+`}[12h] |~ `error\\`)": "regexes are checked when parsed (Loki checks line-filter regexes when the query runs): a trailing backslash is a 400 at once",
  '{app="foo"} |= "bar" | json | latency >= 250ms or ( status_code < 500 and status_code > 200)\n\t\t\t\t| foo="bar" buzz!="blip", blop=~"boop" or fuzz==5':
    "Grafana's grammar has no whitespace-separated label filters (Loki reads `a b` as `a and b`); write `,` or `and`",
  '{app=~"\u00a0\u00a1"}': "a JavaScript string holds no invalid UTF-8: the bytes arrive already decoded",
  'max_over_time(({app="foo"} |= "bar" | json | latency >= 250ms or ( status_code < 500 and status_code > 200)\n\t\t\t| line_format "blip{{ .foo }}blop {{.status_code}}" | label_format foo=bar,status_code="buzz{{.bar}}" | unwrap foo )[5m])':
    "Grafana's grammar has no parenthesised pipeline-and-unwrap before the range; write the range after the unwrap",
};

function parsesAsLoki(c: { in: string; test: string }): string | undefined {
  try {
    const e = parseLogQL(c.in);
    if (c.test !== "ParseTestCases") for (const s of logQueriesOf(e)) requireNarrowingMatcher(s.matchers);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

describe("corpus 1: Loki's parser test table (pkg/logql/syntax/parser_test.go)", () => {
  const cases = parserFixture.cases as { in: string; err?: string; line: number; test: string }[];
  test("holds Loki's cases", () => expect(cases.length).toBeGreaterThanOrEqual(200));
  test.each(cases.map((c) => [`L${c.line} ${c.in.slice(0, 70)}`, c] as const))("%s", (_, c) => {
    const error = parsesAsLoki(c);
    const difference = PARSER_DIFFERENCES[c.in];
    if (difference) {
      expect({ in: c.in, refused: error !== undefined }).toEqual({ in: c.in, refused: c.err === undefined });
      return;
    }
    expect({ in: c.in, refused: error !== undefined }).toEqual({ in: c.in, refused: c.err !== undefined });
  });
});

async function runOne(query: string, labels: Labels, metadata: Labels, line: string, ts: bigint) {
  const source = new MemoryLogSource([{ labels, entries: [{ timestampNs: ts, line, metadata }] }]);
  const r = await evaluateLogQL(source, query, { startNs: ts, endNs: ts + 1n, limit: 10, direction: "forward" });
  if (r.resultType !== "streams") throw new Error("expected streams");
  const e = r.entries[0];
  return e && { line: e.line, labels: { ...e.stream, ...e.structuredMetadata, ...e.parsed } };
}

/** Labels compared as Loki's tests compare them, an empty value being an absent label; `__error_details__` wording is Go's own (README). */
const comparable = (l: Labels) => Object.fromEntries(Object.entries(l).filter(([k, v]) => k !== "__error_details__" && v !== "").sort(([a], [b]) => (a < b ? -1 : 1)));
const lit = (s: string) => JSON.stringify(s);
const tmpl = (s: string) => (s.includes("`") ? JSON.stringify(s) : "`" + s + "`");

interface StageCase {
  title: string;
  query: string;
  labels: Labels;
  metadata?: Labels;
  line: string;
  ts?: bigint;
  want: Labels;
  wantLine?: string;
}

function stageCases(): StageCase[] {
  const f = stageFixture as Record<string, any>;
  const out: StageCase[] = [];
  for (const c of f.lineFormat) {
    out.push({ title: `line_format ${c.name}`, query: `{} | line_format ${tmpl(c.template)}`, labels: c.labels, line: c.line, ts: BigInt(c.ts), want: c.wantLabels, wantLine: c.want ?? c.line });
  }
  for (const c of f.labelFormat) {
    const items = c.items.map((i: any) => (i.rename !== undefined ? `${i.name}=${i.rename}` : `${i.name}=${tmpl(i.template)}`)).join(", ");
    out.push({ title: `label_format ${c.name}`, query: `{} | label_format ${items}`, labels: c.labels, line: "test line", ts: 1661518453244672570n, want: c.wantLabels });
  }
  const params = (exprs: { name: string; expression: string }[]) => exprs.map((e) => `${e.name}=${lit(e.expression)}`).join(", ");
  for (const c of f.Test_jsonParser_Parse) out.push({ title: `json ${c.name}`, query: "{} | json", labels: c.lbs, metadata: c.sm, line: c.line, want: c.want });
  for (const c of f.TestJSONExpressionParser) {
    // `bool` is a keyword of Grafana's grammar: it cannot name an extracted label (README).
    if (c.exprs.some((e: any) => e.name === "bool")) continue;
    out.push({ title: `json params ${c.name}`, query: `{} | json ${params(c.exprs)}`, labels: c.lbs, metadata: c.sm, line: c.line, want: c.want });
  }
  for (const c of f.Test_regexpParser_Parse) out.push({ title: `regexp ${c.name}`, query: `{} | regexp ${lit(c.regex)}`, labels: c.lbs, metadata: c.sm, line: c.line, want: c.want });
  for (const c of f.TestLogfmtParser_parse) {
    out.push({ title: `logfmt ${c.name}`, query: "{} | logfmt", labels: c.lbs, metadata: c.sm, line: c.line ?? "", want: c.want });
    const strict = Object.keys(c.wantStrict ?? {}).length > 0 ? c.wantStrict : c.want;
    out.push({ title: `logfmt --strict ${c.name}`, query: "{} | logfmt --strict", labels: c.lbs, metadata: c.sm, line: c.line ?? "", want: strict });
  }
  for (const c of f.TestLogfmtParser_keepEmpty) {
    for (const strict of ["", " --strict"]) {
      out.push({ title: `logfmt${strict} keep-empty=${c.keepEmpty} ${c.name}`, query: `{} | logfmt${strict}${c.keepEmpty ? " --keep-empty" : ""}`, labels: c.lbs, line: c.line, want: c.want });
    }
  }
  for (const c of f.TestLogfmtExpressionParser) out.push({ title: `logfmt params ${c.name}`, query: `{} | logfmt ${params(c.exprs)}`, labels: c.lbs, metadata: c.sm, line: c.line, want: c.want });
  for (const c of f.Test_unpackParser_Parse) out.push({ title: `unpack ${c.name}`, query: "{} | unpack", labels: c.lbs, metadata: c.sm, line: c.line, want: c.want, wantLine: c.wantLine ?? c.line });
  for (const c of f.Test_PatternParser) out.push({ title: `pattern ${c.pattern}`, query: `{} | pattern ${lit(c.pattern)}`, labels: c.lbs, metadata: c.sm, line: c.line, want: c.want });
  return out;
}

describe("corpus 2: Loki's pipeline-stage tests (pkg/logql/log/fmt_test.go, parser_test.go)", () => {
  const cases = stageCases();
  test("holds Loki's cases", () => expect(cases.length).toBeGreaterThanOrEqual(180));
  test.each(cases.map((c) => [c.title, c] as const))("%s", async (_, c) => {
    const got = await runOne(c.query, c.labels, c.metadata ?? {}, c.line, c.ts ?? 1n);
    expect(got && { line: c.wantLine === undefined ? undefined : got.line, labels: comparable(got.labels) }).toEqual({ line: c.wantLine, labels: comparable(c.want) });
  });
});

describe("corpus 3: documentation examples on a fixed data set", () => {
  const source = new MemoryLogSource(
    DATASET.map((s) => ({ labels: s.labels, entries: s.entries.map((e) => ({ timestampNs: at(e.t), line: e.line, metadata: e.metadata ?? {} })) })),
  );
  const seconds = (t: number) => Number(T0 / 1_000_000_000n) + t;
  const sortByMetric = <T extends { metric: Labels }>(rows: T[]) => [...rows].sort((a, b) => (JSON.stringify(comparable(a.metric)) < JSON.stringify(comparable(b.metric)) ? -1 : 1));

  test("holds the examples", () => expect(CASES.length).toBeGreaterThanOrEqual(100));
  test.each(CASES.map((c) => [c.query, c] as const))("%s", async (_, c) => {
    if ("entries" in c) {
      const r = await evaluateLogQL(source, c.query, { startNs: T0, endNs: at(QUERY_TIME), limit: c.limit ?? 100, direction: c.direction ?? "forward" });
      const entries = (r as { entries: LogResultEntry[] }).entries;
      const got = entries.map((e, i) => ({
        t: Number((e.timestampNs - T0) / 1_000_000_000n),
        line: e.line,
        ...(c.entries[i]?.labels ? { labels: comparable({ ...e.stream, ...e.structuredMetadata, ...e.parsed }) } : {}),
      }));
      expect(got).toEqual(c.entries.map((e) => ({ t: e.t, line: e.line, ...(e.labels ? { labels: comparable(e.labels) } : {}) })));
      return;
    }
    if ("error" in c) {
      await expect(evaluateLogQL(source, c.query, { startNs: at(0), endNs: at(QUERY_TIME), limit: 100, direction: "backward" })).rejects.toThrow(c.error);
      return;
    }
    if ("matrix" in c) {
      const r = await evaluateLogQL(source, c.query, { startNs: at(c.start), endNs: at(c.end), stepNs: BigInt(c.step) * 1_000_000_000n, limit: 100, direction: "backward" });
      expect(r.resultType).toBe("matrix");
      const rows = (r as { result: { metric: Labels; values: [number, string][] }[] }).result.map((s) => ({ metric: comparable(s.metric), values: s.values }));
      expect(sortByMetric(rows)).toEqual(sortByMetric(c.matrix.map((s) => ({ metric: comparable(s.metric), values: s.values.map(([t, v]) => [seconds(t), v] as [number, string]) }))));
      return;
    }
    const time = "time" in c && c.time !== undefined ? c.time : QUERY_TIME;
    const r = await evaluateLogQL(source, c.query, { startNs: at(time), endNs: at(time), limit: 100, direction: "backward" });
    if ("scalar" in c) {
      expect(r).toEqual({ resultType: "scalar", result: [seconds(time), c.scalar] });
      return;
    }
    expect(r.resultType).toBe("vector");
    const rows = (r as { result: { metric: Labels; value: [number, string] }[] }).result.map((s) => ({ metric: comparable(s.metric), value: s.value[1], t: s.value[0] }));
    const want = c.vector.map((s) => ({ metric: comparable(s.metric), value: s.value, t: seconds(time) }));
    if (c.ordered) expect(rows).toEqual(want);
    else expect(sortByMetric(rows)).toEqual(sortByMetric(want));
  });
});
