/**
 * Drain log clustering (He et al., "Drain: An Online Log Parsing Approach with Fixed Depth
 * Tree", ICWS 2017), as Loki's pattern ingester applies it (pkg/pattern/drain): lines are cut
 * into tokens at spaces and punctuation (letters, digits and `_-./` stay together, `=` and
 * other punctuation are tokens of their own; unlike Loki's punctuation tokenizer, `:` splits
 * too, so JSON keys stay apart from their values); a fixed-depth tree keyed by the token count and
 * the first tokens (a token holding a digit goes down the wildcard branch) leads to candidate
 * clusters; a line joins the most similar one when at least 30% of its word tokens match
 * (Loki's SimTh), and the positions that differ become `<_>`. Joining a cluster's tokens
 * gives its pattern.
 */

export const PATTERN_PARAM = "<_>";

const DEPTH = 30; // Loki's LogClusterDepth: the tree descends maxNodeDepth = DEPTH - 2 tokens
const SIM_TH = 0.3;
const MAX_CHILDREN = 15;
const MAX_CLUSTERS = 300;
const MAX_LINE_LENGTH = 3000;
const MAX_TOKENS = 127;
const WILDCARD_KEY = "<*>";

export interface DrainCluster {
  id: number;
  tokens: string[];
  /** Lines that joined the cluster. */
  size: number;
}

interface TreeNode {
  children: Map<string, TreeNode>;
  clusters: number[];
}

const node = (): TreeNode => ({ children: new Map(), clusters: [] });

/** Word tokens (compared) alternate with separators (spaces, punctuation: always equal when counts match). */
export function tokenize(line: string): string[] | undefined {
  if (line.length > MAX_LINE_LENGTH) return undefined;
  const tokens: string[] = [];
  let word = "";
  for (const ch of line) {
    if (tokens.length >= MAX_TOKENS) break;
    if (/[\p{L}\p{N}_\-./]/u.test(ch)) {
      word += ch;
      continue;
    }
    if (word !== "") tokens.push(word);
    word = "";
    tokens.push(ch);
  }
  if (word !== "" && tokens.length < MAX_TOKENS) tokens.push(word);
  return tokens;
}

const isSeparator = (token: string) => token.length === 1 && !/[\p{L}\p{N}_\-./]/u.test(token);
const hasDigit = (token: string) => /\d/.test(token);

export class Drain {
  private readonly root = node();
  readonly clusters: DrainCluster[] = [];

  /** Adds a line; the cluster it joined (undefined for a line too long to cluster, or past the cluster bound). */
  train(line: string): DrainCluster | undefined {
    const tokens = tokenize(line);
    if (tokens === undefined || tokens.length === 0) return undefined;
    const leaf = this.leafFor(tokens);
    let best: DrainCluster | undefined;
    let bestSim = -1;
    for (const id of leaf.clusters) {
      const c = this.clusters[id]!;
      const sim = similarity(c.tokens, tokens);
      if (sim > bestSim) [best, bestSim] = [c, sim];
    }
    if (best && bestSim >= SIM_TH) {
      for (let i = 0; i < tokens.length; i++) if (best.tokens[i] !== tokens[i]) best.tokens[i] = PATTERN_PARAM;
      best.size++;
      return best;
    }
    if (this.clusters.length >= MAX_CLUSTERS) return undefined;
    const cluster = { id: this.clusters.length, tokens: [...tokens], size: 1 };
    this.clusters.push(cluster);
    leaf.clusters.push(cluster.id);
    return cluster;
  }

  pattern(cluster: DrainCluster): string {
    return cluster.tokens.join("");
  }

  /** Down the tree by token count, then the first word tokens. */
  private leafFor(tokens: string[]): TreeNode {
    const byLength = String(tokens.length);
    let current: TreeNode | undefined = this.root.children.get(byLength);
    if (!current) this.root.children.set(byLength, (current = node()));
    const words = tokens.filter((t) => !isSeparator(t));
    for (let depth = 0; depth < Math.min(DEPTH - 2, words.length); depth++) {
      const token = words[depth]!;
      const key = hasDigit(token) ? WILDCARD_KEY : token;
      let next: TreeNode | undefined = current.children.get(key);
      if (!next) {
        // A full node sends new tokens down its wildcard branch.
        const slot = current.children.size >= MAX_CHILDREN ? WILDCARD_KEY : key;
        next = current.children.get(slot);
        if (!next) current.children.set(slot, (next = node()));
      }
      current = next;
    }
    return current;
  }
}

/** Matching word tokens over word tokens (separators match by construction: same token count). */
function similarity(pattern: readonly string[], tokens: readonly string[]): number {
  let words = 0;
  let same = 0;
  for (let i = 0; i < tokens.length; i++) {
    if (isSeparator(tokens[i]!)) continue;
    words++;
    if (pattern[i] === tokens[i]) same++;
  }
  return words === 0 ? 1 : same / words;
}
