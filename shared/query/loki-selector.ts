/**
 * LogQL stream selectors as Loki's metadata endpoints take them:
 * - `parseStreamSelector`: a selector on its own (`{name="value", …}`, `query=` of the label
 *   endpoints, `match[]=` of series): label matchers only, no pipeline. Empty text and `{}`
 *   select every stream (Loki's series endpoint treats a lone `{}` as "no matcher").
 * - `querySelectors`: the selectors of any LogQL query (the index endpoints are handed whole
 *   queries and look only at their streams).
 */
import type { LabelMatcher } from "../series/index.ts";
import { LogQLError, logQueriesOf, parseLogQL } from "./logql/index.ts";

const isEmptySelector = (text: string) => text.trim() === "" || text.replaceAll(/\s/g, "") === "{}";

export function parseStreamSelector(text: string): LabelMatcher[] {
  if (isEmptySelector(text)) return [];
  const expr = parseLogQL(text);
  if (expr.kind !== "log") throw new LogQLError("only a stream selector is allowed here, not a metric query", expr.pos, "a stream selector");
  if (expr.pipeline.length > 0) {
    throw new LogQLError("only a stream selector is allowed here, without line filters or pipeline stages", expr.pipeline[0]!.pos, "end of query");
  }
  return expr.matchers.map(({ name, op, value }) => ({ name, op, value }));
}

export function querySelectors(text: string): LabelMatcher[][] {
  if (isEmptySelector(text)) return [];
  return logQueriesOf(parseLogQL(text)).map((q) => q.matchers.map(({ name, op, value }) => ({ name, op, value })));
}
