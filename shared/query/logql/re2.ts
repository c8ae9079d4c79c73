/**
 * LogQL regexes are Go's RE2, run here by JavaScript's backtracking engine. Three things keep
 * the two in step and the process safe:
 * - what RE2 refuses is refused (backreferences, lookahead/lookbehind, possessive or atomic
 *   groups), with RE2's reason, so no query works here that Loki would reject;
 * - RE2 spellings JavaScript lacks are translated (`(?P<name>`, leading `(?i)`/`(?s)` flags,
 *   POSIX classes `[[:alpha:]]`, `\z`);
 * - a repetition of a group that itself repeats without bound (`(a+)+`, `(\w*)*`) is refused:
 *   RE2 runs it in linear time, a backtracking engine may run for ever on a crafted line.
 *   That is the one deliberate difference (README.md); rewrite such a pattern without the
 *   nesting (`(a+)+` means `a+`).
 */
export class RegexError extends Error {}

const POSIX_CLASSES: Record<string, string> = {
  alnum: "0-9A-Za-z", alpha: "A-Za-z", ascii: "\\x00-\\x7F", blank: "\\t ", cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9", graph: "!-~", lower: "a-z", print: " -~", punct: "!-\\/:-@\\[-`{-~", space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z", word: "0-9A-Za-z_", xdigit: "0-9A-Fa-f",
};

/** Letters RE2 knows after a backslash; any other letter is an error there (JavaScript would take it literally). */
const RE2_LETTER_ESCAPES = "afnrtvdDsSwWbBAzxpPQEC";

interface GroupScan {
  /** Something inside repeats without bound. */
  unbounded: boolean;
  /** The first token of each alternative: a literal character, or ANY when it could be several. */
  firsts: string[];
  needFirst: boolean;
}

const ANY = "\u0000any";

/** Alternatives that can start alike (`(a|aa)`) make a repetition backtrack exponentially. */
function overlappingAlternatives(g: GroupScan): boolean {
  if (g.firsts.length < 2) return false;
  return g.firsts.includes(ANY) || new Set(g.firsts).size < g.firsts.length;
}

function firstToken(g: GroupScan, token: string): void {
  if (!g.needFirst) return;
  g.firsts.push(token);
  g.needFirst = false;
}

/** Refuses what RE2 refuses and what could run away here; returns the JavaScript source. */
function translate(pattern: string): string {
  let out = "";
  const groups: GroupScan[] = [{ unbounded: false, firsts: [], needFirst: true }];
  const top = () => groups[groups.length - 1]!;
  let lastClosed: GroupScan | undefined;
  let i = 0;
  const quantifierAt = (j: number): { unbounded: boolean; length: number } | undefined => {
    const c = pattern[j];
    if (c === "*" || c === "+") return { unbounded: true, length: 1 };
    if (c === "?") return { unbounded: false, length: 1 };
    if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(j));
      if (m) return { unbounded: m[2] !== undefined && (m[3] === "" || Number(m[3]) > 1), length: m[0].length };
    }
    return undefined;
  };
  while (i < pattern.length) {
    const c = pattern[i]!;
    const closed = lastClosed;
    lastClosed = undefined;
    if (c === "\\") {
      const next = pattern[i + 1];
      if (next === undefined) throw new RegexError("trailing backslash at end of expression");
      if (next >= "1" && next <= "9") throw new RegexError(`invalid escape sequence: \`\\${next}\` (RE2 has no backreferences)`);
      if (/[A-Za-z]/.test(next) && !RE2_LETTER_ESCAPES.includes(next)) throw new RegexError(`invalid escape sequence: \`\\${next}\``);
      firstToken(top(), /[A-Za-z0-9]/.test(next) ? ANY : next);
      if (next === "z") out += "$";
      else if (next === "Q") {
        const end = pattern.indexOf("\\E", i + 2);
        const literal = pattern.slice(i + 2, end < 0 ? undefined : end);
        out += literal.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
        i = end < 0 ? pattern.length : end + 2;
        continue;
      } else out += c + next;
      i += 2;
      continue;
    }
    if (c === "[") {
      firstToken(top(), ANY);
      // A character class, copied with POSIX classes expanded; nothing inside it repeats.
      let j = i + 1;
      let cls = "[";
      if (pattern[j] === "^") cls += pattern[j++];
      if (pattern[j] === "]") cls += "\\]", j++;
      while (j < pattern.length && pattern[j] !== "]") {
        const posix = /^\[:(\^?)([a-z]+):\]/.exec(pattern.slice(j));
        if (posix) {
          const set = POSIX_CLASSES[posix[2]!];
          if (!set) throw new RegexError(`invalid character class range: \`${posix[0]}\``);
          if (posix[1]) throw new RegexError(`negated POSIX class ${posix[0]} is not supported here`);
          cls += set;
          j += posix[0].length;
          continue;
        }
        if (pattern[j] === "\\") {
          cls += pattern.slice(j, j + 2);
          j += 2;
          continue;
        }
        if (pattern[j] === "[") cls += "\\[";
        else cls += pattern[j];
        j++;
      }
      if (j >= pattern.length) throw new RegexError(`missing closing ]: \`${pattern.slice(i)}\``);
      out += cls + "]";
      i = j + 1;
      continue;
    }
    if (c === "(") {
      if (pattern.startsWith("(?=", i) || pattern.startsWith("(?!", i) || pattern.startsWith("(?<=", i) || pattern.startsWith("(?<!", i)) {
        throw new RegexError(`invalid or unsupported Perl syntax: \`${pattern.slice(i, i + 3)}\` (RE2 has no lookaround)`);
      }
      if (pattern.startsWith("(?>", i)) throw new RegexError("invalid or unsupported Perl syntax: `(?>`");
      firstToken(top(), ANY);
      // The group's own prefix — `(?:`, `(?i:`, `(?P<name>`, `(?<name>` — is copied whole.
      const prefix = /^\(\?(?:P?<([A-Za-z_][A-Za-z0-9_]*)>|[imsU-]*:)/.exec(pattern.slice(i));
      if (prefix) {
        out += prefix[1] !== undefined ? `(?<${prefix[1]}>` : prefix[0].replace(/U/g, "");
        i += prefix[0].length;
      } else {
        out += c;
        i++;
      }
      groups.push({ unbounded: false, firsts: [], needFirst: true });
      continue;
    }
    if (c === ")") {
      const group = groups.pop();
      if (!group || groups.length === 0) throw new RegexError(`unexpected ): \`${pattern}\``);
      out += c;
      i++;
      lastClosed = group;
      // What repeats inside a group repeats inside its parent too.
      if (group.unbounded) groups[groups.length - 1]!.unbounded = true;
      continue;
    }
    const q = quantifierAt(i);
    if (q) {
      if (q.unbounded) {
        if (closed && overlappingAlternatives(closed)) {
          throw new RegexError(
            `repetition of alternatives that can start alike \`${pattern.slice(0, i + q.length)}\` could run away in a backtracking engine; make the alternatives start differently or use a character class`,
          );
        }
        if (closed?.unbounded) {
          throw new RegexError(
            `nested repetition \`${pattern.slice(0, i + q.length)}\` could run away in a backtracking engine; write it without repeating a repeated group`,
          );
        }
        groups[groups.length - 1]!.unbounded = true;
      }
      out += pattern.slice(i, i + q.length);
      i += q.length;
      if (pattern[i] === "+") throw new RegexError("invalid nested repetition operator: possessive quantifiers are not RE2");
      if (pattern[i] === "?") out += pattern[i++];
      continue;
    }
    if (c === "|") {
      top().needFirst = true;
    } else if (c !== "^" && c !== "$") {
      firstToken(top(), c === "." ? ANY : c);
    }
    out += c;
    i++;
  }
  if (groups.length !== 1) throw new RegexError(`missing closing ): \`${pattern}\``);
  return out;
}

/** Compiles an RE2 pattern; `anchored` for label matchers (whole value), not for line filters. */
export function compileRE2(pattern: string, anchored: boolean): RegExp {
  let flags = "";
  let body = pattern;
  const flagGroup = /^\(\?([imsU]+)\)/.exec(body);
  if (flagGroup) {
    for (const f of flagGroup[1]!) if (f !== "U" && !flags.includes(f)) flags += f;
    body = body.slice(flagGroup[0].length);
  }
  const source = translate(body);
  try {
    return new RegExp(anchored ? `^(?:${source})$` : source, flags);
  } catch (err) {
    throw new RegexError((err as Error).message.replace(/^Invalid regular expression: /, ""));
  }
}
