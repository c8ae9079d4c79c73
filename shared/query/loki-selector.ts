/**
 * A LogQL stream selector on its own (`{name="value", …}`), as Loki's metadata endpoints take
 * it in `query=` and `match[]=`: label matchers only, no pipeline. Empty text and `{}` select
 * every stream (Loki's series endpoint treats a lone `{}` as "no matcher").
 */
import type { LabelMatcher } from "../series/index.ts";
import { LogQLError, parseLogQL } from "./logql/index.ts";

export function parseStreamSelector(text: string): LabelMatcher[] {
  if (text.trim() === "" || text.replaceAll(/\s/g, "") === "{}") return [];
  const query = parseLogQL(text);
  if (query.filters.length > 0) {
    throw new LogQLError("only a stream selector is allowed here, without line filters or pipeline stages", query.filters[0]!.pos, "end of query");
  }
  return query.matchers.map(({ name, op, value }) => ({ name, op, value }));
}

/**
 * The stream selectors of any LogQL query (log or metric), each as its matchers: what Loki's
 * index endpoints (`/index/stats`, `/index/volume`) look at when handed a whole query.
 */
export function querySelectors(text: string): LabelMatcher[][] {
  if (text.trim() === "" || text.replaceAll(/\s/g, "") === "{}") return [];
  return [parseLogQL(text).matchers.map(({ name, op, value }) => ({ name, op, value }))];
}
