/**
 * The Go text/template language as `line_format` and `label_format` use it: text and
 * `{{ }}` actions with trim markers, comments, pipelines (`.a | lower | trunc 5`), fields of
 * the label map (`.name`, a missing label is ""), function calls with string, number and
 * boolean literals, parenthesised pipelines, variables (`$`, `$x := …`), and the `if` /
 * `else if` / `else` / `with` / `range` / `end` blocks. Functions: template-funcs.ts.
 */
import { callFunction, FUNCTION_NAMES, type TemplateContext } from "./template-funcs.ts";
import { goPrint, GoTime, isTrue, TemplateError, type GoValue } from "./go-values.ts";

export { TemplateError };

type Arg =
  | { kind: "field"; path: string[]; base?: string }
  | { kind: "dot" }
  | { kind: "var"; name: string; path: string[] }
  | { kind: "lit"; value: GoValue }
  | { kind: "func"; name: string }
  /** A parenthesised pipeline, and the fields read from its value (`(x).a.b`). */
  | { kind: "pipe"; pipe: Pipeline; path: string[] };

interface Command {
  args: Arg[];
}

interface Pipeline {
  decl?: string;
  assign?: boolean;
  cmds: Command[];
}

type Node =
  | { kind: "text"; text: string }
  | { kind: "action"; pipe: Pipeline }
  | { kind: "if" | "with"; pipe: Pipeline; body: Node[]; elseBody?: Node[] }
  | { kind: "range"; pipe: Pipeline; body: Node[]; elseBody?: Node[] };

export interface CompiledTemplate {
  nodes: Node[];
  /** The template is exactly `{{.name}}` (Loki copies the label without running it). */
  simpleField?: string;
}

const cache = new Map<string, CompiledTemplate>();

export function compileTemplate(source: string): CompiledTemplate {
  let t = cache.get(source);
  if (!t) {
    t = new TemplateParser(source).parse();
    if (cache.size > 1000) cache.clear();
    cache.set(source, t);
  }
  return t;
}

// ---------- lexing: the text is cut into text pieces and action bodies ----------

interface Piece {
  text?: string;
  action?: string;
}

function pieces(src: string): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf("{{", i);
    if (open < 0) {
      out.push({ text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    let start = open + 2;
    if (src[start] === "-" && /\s/.test(src[start + 1] ?? "")) {
      text = text.trimEnd();
      start += 1;
    }
    if (text) out.push({ text });
    const close = findClose(src, start);
    if (close < 0) throw new TemplateError("unclosed action");
    let end = close;
    let next = close + 2;
    if (src[close - 1] === "-" && /\s/.test(src[close - 2] ?? "")) end = close - 1;
    out.push({ action: src.slice(start, end) });
    if (end !== close) {
      while (next < src.length && /\s/.test(src[next]!)) next++;
    }
    i = next;
  }
  return out;
}

/** The `}}` closing an action, skipping quoted strings inside it. */
function findClose(src: string, from: number): number {
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (c === '"' || c === "`" || c === "'") {
      for (i++; i < src.length && src[i] !== c; i++) if (c !== "`" && src[i] === "\\") i++;
      continue;
    }
    if (c === "}" && src[i + 1] === "}") return i;
  }
  return -1;
}

type Token = { t: "word" | "field" | "var" | "str" | "num" | "char" | "(" | ")" | "|" | ":=" | "=" | ","; v: string };

function tokens(action: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < action.length) {
    const c = action[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "`") {
      let j = i + 1;
      while (j < action.length && action[j] !== c) j += c === '"' && action[j] === "\\" ? 2 : 1;
      if (j >= action.length) throw new TemplateError("unterminated quoted string");
      out.push({ t: "str", v: action.slice(i, j + 1) });
      i = j + 1;
      continue;
    }
    if (c === "'") {
      const m = /^'(\\.|[^'\\])'/u.exec(action.slice(i));
      if (!m) throw new TemplateError("malformed character constant");
      out.push({ t: "char", v: m[0] });
      i += m[0].length;
      continue;
    }
    if (c === "(" || c === ")" || c === "|" || c === ",") {
      out.push({ t: c, v: c });
      i++;
      continue;
    }
    if (action.startsWith(":=", i)) {
      out.push({ t: ":=", v: ":=" });
      i += 2;
      continue;
    }
    if (c === "=") {
      out.push({ t: "=", v: "=" });
      i++;
      continue;
    }
    const num = /^[+-]?(0x[0-9a-fA-F_]+|(\d[\d_]*\.?\d*|\.\d+)([eE][+-]?\d+)?)/.exec(action.slice(i));
    if (num && (c !== "." || /\d/.test(action[i + 1] ?? ""))) {
      out.push({ t: "num", v: num[0] });
      i += num[0].length;
      continue;
    }
    const field = /^(\.[A-Za-z_][A-Za-z0-9_]*)+/.exec(action.slice(i));
    if (field) {
      out.push({ t: "field", v: field[0] });
      i += field[0].length;
      continue;
    }
    if (c === ".") {
      out.push({ t: "field", v: "." });
      i++;
      continue;
    }
    const variable = /^\$[A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(action.slice(i));
    if (variable) {
      out.push({ t: "var", v: variable[0] });
      i += variable[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(action.slice(i));
    if (word) {
      out.push({ t: "word", v: word[0] });
      i += word[0].length;
      continue;
    }
    throw new TemplateError(`unexpected ${JSON.stringify(c)} in command`);
  }
  return out;
}

// ---------- parsing ----------

class TemplateParser {
  private items: Piece[];
  private at = 0;
  private vars: string[][] = [["$"]];

  constructor(source: string) {
    this.items = pieces(source);
  }

  parse(): CompiledTemplate {
    const nodes = this.list(new Set());
    if (this.at < this.items.length) throw new TemplateError(`unexpected {{${this.items[this.at]!.action}}}`);
    const only = nodes.length === 1 ? nodes[0]! : undefined;
    let simpleField: string | undefined;
    if (only?.kind === "action" && !only.pipe.decl && only.pipe.cmds.length === 1) {
      const args = only.pipe.cmds[0]!.args;
      if (args.length === 1 && args[0]!.kind === "field" && args[0]!.path.length === 1) simpleField = args[0]!.path[0];
    }
    return { nodes, simpleField };
  }

  /** Nodes up to one of the `stops` keywords (left unconsumed) or the end. */
  private list(stops: Set<string>): Node[] {
    const out: Node[] = [];
    while (this.at < this.items.length) {
      const item = this.items[this.at]!;
      if (item.text !== undefined) {
        out.push({ kind: "text", text: item.text });
        this.at++;
        continue;
      }
      const body = item.action!.trim();
      if (body.startsWith("/*")) {
        if (!body.endsWith("*/")) throw new TemplateError("unclosed comment");
        this.at++;
        continue;
      }
      const keyword = /^(if|else|end|with|range|define|template|block|break|continue)\b/.exec(body)?.[1];
      if (keyword && stops.has(keyword)) return out;
      this.at++;
      if (keyword === "if" || keyword === "with" || keyword === "range") out.push(this.block(keyword, body.slice(keyword.length)));
      else if (keyword === "else" || keyword === "end") throw new TemplateError(`unexpected {{${keyword}}}`);
      else if (keyword) throw new TemplateError(`{{${keyword}}} is not supported in LogQL templates`);
      else out.push({ kind: "action", pipe: this.pipeline(body) });
    }
    return out;
  }

  private block(kind: "if" | "with" | "range", rest: string): Node {
    this.vars.push([]);
    const pipe = this.pipeline(rest);
    const body = this.list(new Set(["else", "end"]));
    let elseBody: Node[] | undefined;
    const closing = this.items[this.at]?.action?.trim();
    if (closing === undefined) throw new TemplateError(`unexpected EOF in {{${kind}}}`);
    this.at++;
    if (closing.startsWith("else")) {
      const elseRest = closing.slice(4).trim();
      if (elseRest.startsWith("if ") || elseRest.startsWith("with ")) {
        const inner = elseRest.startsWith("if ") ? "if" : "with";
        // `else if x` is `else` holding one `if` that shares this block's `end`.
        elseBody = [this.block(inner, elseRest.slice(inner.length))];
        this.vars.pop();
        return { kind, pipe, body, elseBody };
      }
      if (elseRest !== "") throw new TemplateError(`unexpected ${JSON.stringify(elseRest)} after else`);
      elseBody = this.list(new Set(["end"]));
      if (this.items[this.at]?.action?.trim() !== "end") throw new TemplateError(`unexpected EOF in {{${kind}}}`);
      this.at++;
    } else if (closing !== "end") throw new TemplateError(`unexpected {{${closing}}}`);
    this.vars.pop();
    return { kind, pipe, body, elseBody };
  }

  private pipeline(text: string): Pipeline {
    const toks = tokens(text);
    let i = 0;
    const pipe: Pipeline = { cmds: [] };
    if (toks[0]?.t === "var" && (toks[1]?.t === ":=" || toks[1]?.t === "=")) {
      pipe.decl = toks[0].v;
      pipe.assign = toks[1].t === "=";
      if (!pipe.assign) this.vars[this.vars.length - 1]!.push(toks[0].v);
      i = 2;
    }
    const parsed = this.commands(toks, i, false);
    if (parsed.next !== toks.length) throw new TemplateError(`unexpected ${JSON.stringify(toks[parsed.next]!.v)} in command`);
    pipe.cmds = parsed.cmds;
    if (pipe.cmds.length === 0) throw new TemplateError("missing value for command");
    return pipe;
  }

  private commands(toks: Token[], from: number, nested: boolean): { cmds: Command[]; next: number } {
    const cmds: Command[] = [];
    let args: Arg[] = [];
    let i = from;
    const finish = () => {
      if (args.length === 0) throw new TemplateError("missing command");
      cmds.push({ args });
      args = [];
    };
    while (i < toks.length) {
      const tok = toks[i]!;
      if (tok.t === ")") {
        if (!nested) throw new TemplateError("unexpected right paren");
        break;
      }
      if (tok.t === "|") {
        finish();
        i++;
        continue;
      }
      if (tok.t === "(") {
        const inner = this.commands(toks, i + 1, true);
        if (toks[inner.next]?.t !== ")") throw new TemplateError("unclosed left paren");
        const arg: Arg = { kind: "pipe", pipe: { cmds: inner.cmds }, path: [] };
        i = inner.next + 1;
        if (toks[i]?.t === "field" && toks[i]!.v !== ".") arg.path = toks[i++]!.v.slice(1).split(".");
        args.push(arg);
        continue;
      }
      args.push(this.arg(tok));
      i++;
    }
    if (args.length > 0) finish();
    return { cmds, next: i };
  }

  private arg(tok: Token): Arg {
    switch (tok.t) {
      case "field":
        return tok.v === "." ? { kind: "dot" } : { kind: "field", path: tok.v.slice(1).split(".") };
      case "var": {
        const [name, ...path] = tok.v.split(".");
        if (!this.vars.some((scope) => scope.includes(name!))) throw new TemplateError(`undefined variable "${name}"`);
        return { kind: "var", name: name!, path };
      }
      case "str": {
        const value = tok.v[0] === "`" ? tok.v.slice(1, -1) : goUnquote(tok.v);
        return { kind: "lit", value };
      }
      case "char":
        return { kind: "lit", value: BigInt(goUnquote(`"${tok.v.slice(1, -1)}"`).codePointAt(0) ?? 0) };
      case "num": {
        const text = tok.v.replace(/_/g, "");
        if (/^[+-]?0x/i.test(text)) return { kind: "lit", value: BigInt(text.replace(/^\+/, "")) };
        if (/^[+-]?\d+$/.test(text)) return { kind: "lit", value: BigInt(text) };
        return { kind: "lit", value: Number(text) };
      }
      case "word":
        if (tok.v === "true" || tok.v === "false") return { kind: "lit", value: tok.v === "true" };
        if (tok.v === "nil") return { kind: "lit", value: null };
        if (!FUNCTION_NAMES.has(tok.v)) throw new TemplateError(`function "${tok.v}" not defined`);
        return { kind: "func", name: tok.v };
      default:
        throw new TemplateError(`unexpected ${JSON.stringify(tok.v)} in operand`);
    }
  }
}

function goUnquote(literal: string): string {
  try {
    return JSON.parse(literal.replace(/\\x([0-9a-fA-F]{2})/g, "\\u00$1").replace(/\\'/g, "'").replace(/\\a/g, "\\u0007").replace(/\\v/g, "\\u000b"));
  } catch {
    throw new TemplateError(`invalid quoted string ${literal}`);
  }
}

// ---------- execution ----------

/** Runs the template over the label map; throws TemplateError for Loki's `TemplateFormatErr`. */
export function executeTemplate(t: CompiledTemplate, labels: Readonly<Record<string, string>>, ctx: TemplateContext): string {
  if (t.simpleField !== undefined) return labels[t.simpleField] ?? "";
  const state: ExecState = { labels, ctx, vars: [{ $: labels }], out: "" };
  run(t.nodes, labels, state);
  return state.out;
}

interface ExecState {
  labels: Readonly<Record<string, string>>;
  ctx: TemplateContext;
  vars: Record<string, GoValue>[];
  out: string;
}

function run(nodes: Node[], dot: GoValue, s: ExecState): void {
  for (const n of nodes) {
    switch (n.kind) {
      case "text":
        s.out += n.text;
        break;
      case "action": {
        const v = evalPipe(n.pipe, dot, s);
        if (!n.pipe.decl) s.out += goPrint(v);
        break;
      }
      case "if":
      case "with": {
        s.vars.push({});
        const v = evalPipe(n.pipe, dot, s);
        if (isTrue(v)) run(n.body, n.kind === "with" ? v : dot, s);
        else if (n.elseBody) run(n.elseBody, dot, s);
        s.vars.pop();
        break;
      }
      case "range": {
        s.vars.push({});
        const v = evalPipe(n.pipe, dot, s);
        const items: GoValue[] = Array.isArray(v) ? v : v && typeof v === "object" && !(v instanceof GoTime) ? Object.values(v) : [];
        if (items.length === 0 && n.elseBody) run(n.elseBody, dot, s);
        for (const item of items) run(n.body, item, s);
        s.vars.pop();
        break;
      }
    }
  }
}

function lookupVar(name: string, s: ExecState): GoValue {
  for (let i = s.vars.length - 1; i >= 0; i--) if (name in s.vars[i]!) return s.vars[i]![name]!;
  throw new TemplateError(`undefined variable "${name}"`);
}

function evalPipe(p: Pipeline, dot: GoValue, s: ExecState): GoValue {
  let value: GoValue | undefined;
  for (const cmd of p.cmds) value = evalCommand(cmd, dot, s, value);
  if (p.decl) {
    if (p.assign) {
      for (let i = s.vars.length - 1; i >= 0; i--) {
        if (p.decl in s.vars[i]!) {
          s.vars[i]![p.decl] = value!;
          return value!;
        }
      }
    }
    s.vars[s.vars.length - 1]![p.decl] = value!;
  }
  return value!;
}

function fieldOf(base: GoValue, path: string[]): GoValue {
  let v = base;
  for (const name of path) {
    if (v === null || typeof v !== "object" || v instanceof GoTime || Array.isArray(v)) {
      throw new TemplateError(`can't evaluate field ${name} in type ${typeof v}`);
    }
    v = (v as Record<string, GoValue>)[name] ?? "";
  }
  return v;
}

function evalArg(a: Arg, dot: GoValue, s: ExecState): GoValue {
  switch (a.kind) {
    case "dot":
      return dot;
    case "field":
      return fieldOf(dot, a.path);
    case "var":
      return fieldOf(lookupVar(a.name, s), a.path);
    case "lit":
      return a.value;
    case "pipe":
      return fieldOf(evalPipe(a.pipe, dot, s), a.path);
    case "func":
      return callFunction(a.name, [], s.ctx);
  }
}

function evalCommand(cmd: Command, dot: GoValue, s: ExecState, piped: GoValue | undefined): GoValue {
  const [head, ...rest] = cmd.args;
  if (head!.kind === "func") {
    const args = rest.map((a) => evalArg(a, dot, s));
    if (piped !== undefined) args.push(piped);
    return callFunction(head!.name, args, s.ctx);
  }
  if (rest.length > 0 || piped !== undefined) throw new TemplateError(`can't give argument to non-function ${describe(head!)}`);
  return evalArg(head!, dot, s);
}

function describe(a: Arg): string {
  switch (a.kind) {
    case "field":
      return `.${a.path.join(".")}`;
    case "lit":
      return String(a.value);
    default:
      return a.kind;
  }
}
