/** The LogQL subset (see README.md): a stream selector and line filters. */
export type MatcherOp = "=" | "!=" | "=~" | "!~";
export type LineFilterOp = "|=" | "!=" | "|~" | "!~";

export interface LabelMatcher {
  name: string;
  op: MatcherOp;
  value: string;
  pos: number;
}

export interface LineFilter {
  op: LineFilterOp;
  value: string;
  pos: number;
}

export interface LogQuery {
  matchers: LabelMatcher[];
  filters: LineFilter[];
}
