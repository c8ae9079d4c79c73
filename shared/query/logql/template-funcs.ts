/**
 * The functions LogQL templates can call: Go's built-ins, Loki's own (fmt.go: ToUpper…,
 * regexReplaceAll, bytes, duration, unixToTime, alignLeft, __line__, __timestamp__…) and the
 * sprig subset Loki registers (lower, trunc, add, date, toDate, default, fromJson…), with the
 * argument order and conversions each has in Go.
 */
import { GoTime, type GoValue, formatGoTime, goFloat, goPrint, goQuote, isTrue, TemplateError, toFloat64, toInt64 } from "./go-values.ts";
import { decimalFold } from "./decimal.ts";
import { GO_ZERO_TIME, parseGoTime, unixToTime } from "./go-time.ts";
import { compileRE2 } from "./re2.ts";
import { goDurationSeconds, parseBytes } from "./units.ts";

/** What a template run sees besides the labels: the current line and its time. */
export interface TemplateContext {
  line: string;
  timestampNs: bigint;
  nowNs?: bigint;
}

type Fn = (args: GoValue[], ctx: TemplateContext) => GoValue;

function typeName(v: GoValue): string {
  if (v === null) return "nil";
  if (typeof v === "bigint") return "int";
  if (typeof v === "number") return "float64";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (v instanceof GoTime) return "time.Time";
  return Array.isArray(v) ? "[]interface {}" : "map[string]interface {}";
}

function str(v: GoValue): string {
  if (typeof v !== "string") throw new TemplateError(`wrong type for value; expected string; got ${typeName(v)}`);
  return v;
}

function int(v: GoValue): number {
  if (typeof v !== "bigint") throw new TemplateError(`wrong type for value; expected int; got ${typeName(v)}`);
  return Number(v);
}

function time(v: GoValue): GoTime {
  if (!(v instanceof GoTime)) throw new TemplateError(`wrong type for value; expected time.Time; got ${typeName(v)}`);
  return v;
}

function arity(name: string, args: GoValue[], n: number): void {
  if (args.length !== n) throw new TemplateError(`wrong number of args for ${name}: want ${n} got ${args.length}`);
}

/** Fixed-arity functions: [arity, body]. */
const FIXED: Record<string, [number, (a: GoValue[], ctx: TemplateContext) => GoValue]> = {
  __line__: [0, (_, ctx) => ctx.line],
  __timestamp__: [0, (_, ctx) => new GoTime(ctx.timestampNs)],
  ToLower: [1, ([s]) => str(s!).toLowerCase()],
  ToUpper: [1, ([s]) => str(s!).toUpperCase()],
  Replace: [4, ([s, o, n, c]) => goReplace(str(s!), str(o!), str(n!), int(c!))],
  Trim: [2, ([s, cut]) => trimSet(str(s!), str(cut!), true, true)],
  TrimLeft: [2, ([s, cut]) => trimSet(str(s!), str(cut!), true, false)],
  TrimRight: [2, ([s, cut]) => trimSet(str(s!), str(cut!), false, true)],
  TrimPrefix: [2, ([s, p]) => (str(s!).startsWith(str(p!)) ? str(s!).slice(str(p!).length) : str(s!))],
  TrimSuffix: [2, ([s, p]) => (str(p!) !== "" && str(s!).endsWith(str(p!)) ? str(s!).slice(0, -str(p!).length) : str(s!))],
  TrimSpace: [1, ([s]) => str(s!).trim()],
  regexReplaceAll: [3, ([re, s, repl]) => regexReplace(str(re!), str(s!), str(repl!), true)],
  regexReplaceAllLiteral: [3, ([re, s, repl]) => regexReplace(str(re!), str(s!), str(repl!), false)],
  count: [2, ([re, s]) => BigInt([...str(s!).matchAll(globalRegex(str(re!)))].length)],
  urldecode: [1, ([s]) => urlDecode(str(s!))],
  urlencode: [1, ([s]) => encodeURIComponent(str(s!)).replace(/%20/g, "+").replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%7E/g, "~")],
  bytes: [1, ([s]) => {
    const b = parseBytes(str(s!));
    if (b === undefined) throw new TemplateError(`strconv.ParseFloat: parsing ${goQuote(str(s!))}: invalid syntax`);
    return b;
  }],
  duration: [1, ([s]) => durationOf(s!)],
  duration_seconds: [1, ([s]) => durationOf(s!)],
  unixEpochMillis: [1, ([t]) => (time(t!).ns / 1_000_000n).toString()],
  unixEpochNanos: [1, ([t]) => time(t!).ns.toString()],
  toDateInZone: [3, ([layout, zone, s]) => parseGoTime(str(layout!), str(s!), str(zone!) === "UTC" ? 0 : 0) ?? GO_ZERO_TIME],
  unixToTime: [1, ([s]) => {
    const t = unixToTime(str(s!));
    if (!t) throw new TemplateError(`unable to parse time '${str(s!)}'`);
    return t;
  }],
  alignLeft: [2, ([n, s]) => align(int(n!), str(s!), true)],
  alignRight: [2, ([n, s]) => align(int(n!), str(s!), false)],
  b64dec: [1, ([s]) => b64dec(str(s!))],
  b64enc: [1, ([s]) => Buffer.from(goPrint(s!), "utf8").toString("base64")],
  lower: [1, ([s]) => goPrint(s!).toLowerCase()],
  upper: [1, ([s]) => goPrint(s!).toUpperCase()],
  title: [1, ([s]) => goPrint(s!).replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, pre: string, c: string) => pre + c.toUpperCase())],
  trunc: [2, ([n, s]) => truncRunes(int(n!), str(s!))],
  substr: [3, ([a, b, s]) => substring(int(a!), int(b!), str(s!))],
  contains: [2, ([sub, s]) => str(s!).includes(str(sub!))],
  hasPrefix: [2, ([p, s]) => str(s!).startsWith(str(p!))],
  hasSuffix: [2, ([p, s]) => str(s!).endsWith(str(p!))],
  indent: [2, ([n, s]) => indent(int(n!), str(s!))],
  nindent: [2, ([n, s]) => "\n" + indent(int(n!), str(s!))],
  replace: [3, ([o, n, s]) => str(s!).split(str(o!)).join(str(n!))],
  repeat: [2, ([n, s]) => {
    const count = Math.max(0, int(n!));
    bounded(count * str(s!).length, "repeat");
    return str(s!).repeat(count);
  }],
  trim: [1, ([s]) => str(s!).trim()],
  trimAll: [2, ([cut, s]) => trimSet(str(s!), str(cut!), true, true)],
  trimSuffix: [2, ([p, s]) => (str(p!) !== "" && str(s!).endsWith(str(p!)) ? str(s!).slice(0, -str(p!).length) : str(s!))],
  trimPrefix: [2, ([p, s]) => (str(s!).startsWith(str(p!)) ? str(s!).slice(str(p!).length) : str(s!))],
  int: [1, ([v]) => toInt64(v!)],
  float64: [1, ([v]) => toFloat64(v!)],
  sub: [2, ([a, b]) => BigInt.asIntN(64, toInt64(a!) - toInt64(b!))],
  div: [2, ([a, b]) => {
    const d = toInt64(b!);
    if (d === 0n) throw new TemplateError("error calling div: runtime error: integer divide by zero");
    return toInt64(a!) / d;
  }],
  mod: [2, ([a, b]) => {
    const d = toInt64(b!);
    if (d === 0n) throw new TemplateError("error calling mod: runtime error: integer divide by zero");
    return toInt64(a!) % d;
  }],
  ceil: [1, ([v]) => Math.ceil(toFloat64(v!))],
  floor: [1, ([v]) => Math.floor(toFloat64(v!))],
  fromJson: [1, ([s]) => fromJson(str(s!))],
  date: [2, ([layout, t]) => formatGoTime(dateArg(t!), str(layout!))],
  toDate: [2, ([layout, s]) => parseGoTime(str(layout!), str(s!)) ?? GO_ZERO_TIME],
  now: [0, (_, ctx) => new GoTime(ctx.nowNs ?? BigInt(Date.now()) * 1_000_000n)],
  unixEpoch: [1, ([t]) => floorDiv(time(t!).ns, 1_000_000_000n).toString()],
  default: [2, ([d, v]) => (isTrue(v!) ? v! : d!)],
  not: [1, ([v]) => !isTrue(v!)],
  len: [1, ([v]) => {
    if (typeof v === "string") return BigInt(Buffer.byteLength(v));
    if (Array.isArray(v)) return BigInt(v.length);
    if (v && typeof v === "object" && !(v instanceof GoTime)) return BigInt(Object.keys(v).length);
    throw new TemplateError(`error calling len: len of type ${typeName(v!)}`);
  }],
  urlquery: [1, ([v]) => encodeURIComponent(goPrint(v!)).replace(/%20/g, "+")],
  html: [1, ([v]) => goPrint(v!).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&#34;").replace(/'/g, "&#39;")],
  js: [1, ([v]) => goPrint(v!).replace(/[\\'"<>&=]/g, (c) => (c === "\\" ? "\\\\" : c === "'" ? "\\'" : c === '"' ? "\\\"" : `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`))],
};

/** Variadic functions. */
const VARIADIC: Record<string, Fn> = {
  and: (a) => {
    if (a.length === 0) throw new TemplateError("wrong number of args for and: want at least 1 got 0");
    for (const v of a) if (!isTrue(v)) return v;
    return a[a.length - 1]!;
  },
  or: (a) => {
    if (a.length === 0) throw new TemplateError("wrong number of args for or: want at least 1 got 0");
    for (const v of a) if (isTrue(v)) return v;
    return a[a.length - 1]!;
  },
  eq: (a) => {
    if (a.length < 2) throw new TemplateError("missing argument for comparison");
    return a.slice(1).some((b) => compare(a[0]!, b) === 0);
  },
  ne: (a) => compareArgs("ne", a) !== 0,
  lt: (a) => compareArgs("lt", a) < 0,
  le: (a) => compareArgs("le", a) <= 0,
  gt: (a) => compareArgs("gt", a) > 0,
  ge: (a) => compareArgs("ge", a) >= 0,
  print: (a) => a.map((v, i) => (i > 0 && typeof v !== "string" && typeof a[i - 1] !== "string" ? " " : "") + goPrint(v)).join(""),
  println: (a) => a.map(goPrint).join(" ") + "\n",
  printf: (a) => sprintf(str(a[0] ?? null), a.slice(1)),
  index: (a) => {
    let v = a[0] ?? null;
    for (const k of a.slice(1)) {
      if (Array.isArray(v)) v = v[Number(toInt64(k))] ?? null;
      else if (v && typeof v === "object" && !(v instanceof GoTime)) v = (v as Record<string, GoValue>)[str(k)] ?? "";
      else throw new TemplateError(`can't index item of type ${typeName(v)}`);
    }
    return v;
  },
  add: (a) => a.reduce<bigint>((acc, v) => BigInt.asIntN(64, acc + toInt64(v)), 0n),
  mul: (a) => a.reduce<bigint>((acc, v) => BigInt.asIntN(64, acc * toInt64(v)), 1n),
  addf: (a) => decimalFold("add", 0, a.map(toFloat64)),
  subf: (a) => decimalFold("sub", toFloat64(a[0] ?? 0), a.slice(1).map(toFloat64)),
  mulf: (a) => decimalFold("mul", toFloat64(a[0] ?? 1), a.slice(1).map(toFloat64)),
  divf: (a) => decimalFold("div", toFloat64(a[0] ?? 0), a.slice(1).map(toFloat64)),
  max: (a) => a.reduce<bigint>((acc, v) => (toInt64(v) > acc ? toInt64(v) : acc), toInt64(a[0] ?? 0n)),
  min: (a) => a.reduce<bigint>((acc, v) => (toInt64(v) < acc ? toInt64(v) : acc), toInt64(a[0] ?? 0n)),
  maxf: (a) => a.reduce<number>((acc, v) => Math.max(acc, toFloat64(v)), toFloat64(a[0] ?? 0)),
  minf: (a) => a.reduce<number>((acc, v) => Math.min(acc, toFloat64(v)), toFloat64(a[0] ?? 0)),
  round: (a) => {
    if (a.length < 2) throw new TemplateError(`wrong number of args for round: want at least 2 got ${a.length}`);
    const value = toFloat64(a[0]!);
    const places = int(a[1]!);
    const half = a.length > 2 ? toFloat64(a[2]!) : 0.5;
    const pow = 10 ** places;
    const digit = pow * value;
    const frac = digit - Math.trunc(digit);
    const rounded = frac >= half ? Math.ceil(digit) : Math.floor(digit);
    return rounded / pow;
  },
};

export const FUNCTION_NAMES = new Set([...Object.keys(FIXED), ...Object.keys(VARIADIC)]);

export function callFunction(name: string, args: GoValue[], ctx: TemplateContext): GoValue {
  const fixed = FIXED[name];
  if (fixed) {
    arity(name, args, fixed[0]);
    return fixed[1](args, ctx);
  }
  const variadic = VARIADIC[name];
  if (!variadic) throw new TemplateError(`function "${name}" not defined`);
  return variadic(args, ctx);
}

function compareArgs(name: string, a: GoValue[]): number {
  if (a.length !== 2) throw new TemplateError(`wrong number of args for ${name}: want 2 got ${a.length}`);
  return compare(a[0]!, a[1]!);
}

/** Go's template comparison: same basic kind (ints and floats compare as numbers of their kind). */
function compare(x: GoValue, y: GoValue): number {
  const numeric = (v: GoValue) => typeof v === "bigint" || typeof v === "number";
  if (typeof x === "bigint" && typeof y === "bigint") return x < y ? -1 : x > y ? 1 : 0;
  if (numeric(x) && numeric(y)) {
    if (typeof x !== typeof y) throw new TemplateError("incompatible types for comparison");
    return (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0;
  }
  if (typeof x === "string" && typeof y === "string") return x < y ? -1 : x > y ? 1 : 0;
  if (typeof x === "boolean" && typeof y === "boolean") return x === y ? 0 : 1;
  if (x === null || y === null) return x === y ? 0 : 1;
  throw new TemplateError("incompatible types for comparison");
}

function durationOf(v: GoValue): number {
  const s = str(v);
  const d = goDurationSeconds(s);
  if (d === undefined) throw new TemplateError(`time: invalid duration ${goQuote(s)}`);
  return d;
}

function goReplace(s: string, old: string, replacement: string, n: number): string {
  if (n < 0) return s.split(old).join(replacement);
  let out = s;
  let from = 0;
  for (let i = 0; i < n; i++) {
    const at = out.indexOf(old, from);
    if (at < 0) break;
    out = out.slice(0, at) + replacement + out.slice(at + old.length);
    from = at + replacement.length + (old === "" ? 1 : 0);
  }
  return out;
}

function trimSet(s: string, cutset: string, left: boolean, right: boolean): string {
  const set = new Set([...cutset]);
  const chars = [...s];
  let a = 0;
  let b = chars.length;
  if (left) while (a < b && set.has(chars[a]!)) a++;
  if (right) while (b > a && set.has(chars[b - 1]!)) b--;
  return chars.slice(a, b).join("");
}

const regexCache = new Map<string, RegExp>();

function globalRegex(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (re) {
    re.lastIndex = 0;
    return re;
  }
  try {
    const compiled = compileRE2(pattern, false);
    re = new RegExp(compiled.source, compiled.flags + "g");
  } catch (err) {
    throw new TemplateError(`error parsing regexp: ${(err as Error).message}`);
  }
  if (regexCache.size > 256) regexCache.clear();
  regexCache.set(pattern, re);
  return re;
}

/**
 * The longest text a template function builds (`repeat`, `indent`, padding): a guard against a
 * query that would exhaust the process's memory with `repeat 1000000000`, where Go would too.
 */
const MAX_BUILT_LENGTH = 1 << 20;

function bounded(length: number, what: string): void {
  if (length > MAX_BUILT_LENGTH) throw new TemplateError(`error calling ${what}: result longer than ${MAX_BUILT_LENGTH} characters`);
}

/** Go's Regexp.ReplaceAllString ($1, ${1}, $name, $$) or ReplaceAllLiteralString. */
function regexReplace(pattern: string, s: string, repl: string, expand: boolean): string {
  const re = globalRegex(pattern);
  return s.replace(re, (...m: unknown[]) => {
    if (!expand) return repl;
    const groups = (typeof m[m.length - 1] === "object" ? m[m.length - 1] : undefined) as Record<string, string> | undefined;
    const numbered = m.slice(0, typeof m[m.length - 1] === "object" ? -3 : -2) as (string | undefined)[];
    return repl.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (_all, whole: string, braced?: string, bare?: string) => {
      if (whole === "$") return "$";
      const name = braced ?? bare!;
      if (/^\d+$/.test(name)) return numbered[Number(name)] ?? "";
      return groups?.[name] ?? "";
    });
  });
}

function urlDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    throw new TemplateError(`invalid URL escape in ${goQuote(s)}`);
  }
}

function align(count: number, src: string, left: boolean): string {
  bounded(count, left ? "alignLeft" : "alignRight");
  const runes = [...src];
  if (count < 0 || count === runes.length) return src;
  const pad = count - runes.length;
  if (pad > 0) return left ? src + " ".repeat(pad) : " ".repeat(pad) + src;
  return left ? runes.slice(0, count).join("") : runes.slice(runes.length - count).join("");
}

function b64dec(v: string): string {
  const rem = v.length % 4;
  const padded = rem !== 0 && rem !== 1 ? v + "=".repeat(4 - rem) : v;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(padded) || padded.length % 4 !== 0) return "illegal base64 data at input byte 0";
  return Buffer.from(padded, "base64").toString("utf8");
}

function truncRunes(c: number, s: string): string {
  const runes = [...s];
  if (c < 0 && runes.length + c > 0) return runes.slice(runes.length + c).join("");
  if (c >= 0 && runes.length > c) return runes.slice(0, c).join("");
  return s;
}

function substring(start: number, end: number, s: string): string {
  const runes = [...s];
  if (start < 0) return runes.slice(0, end).join("");
  if (end < 0 || end > runes.length) return runes.slice(start).join("");
  return runes.slice(start, end).join("");
}

function indent(n: number, s: string): string {
  bounded(n * (s.split("\n").length + 1) + s.length, "indent");
  const pad = " ".repeat(Math.max(0, n));
  return pad + s.replace(/\n/g, "\n" + pad);
}

function toGo(v: unknown): GoValue {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(toGo);
  if (typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toGo(x)]));
  return v as GoValue;
}

function fromJson(s: string): GoValue {
  try {
    return toGo(JSON.parse(s));
  } catch {
    return null;
  }
}

function dateArg(v: GoValue): GoTime {
  if (v instanceof GoTime) return v;
  if (typeof v === "bigint") return new GoTime(v * 1_000_000_000n);
  if (typeof v === "number") return new GoTime(BigInt(Math.trunc(v)) * 1_000_000_000n);
  return new GoTime(BigInt(Date.now()) * 1_000_000n);
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** fmt.Sprintf for the verbs templates use: %s %q %v %d %f %e %g %x %X %t %c %%, width, precision, `-`, `0`, `+`. */
function sprintf(format: string, args: GoValue[]): string {
  let arg = 0;
  return format.replace(/%([-+ 0#]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g, (all, flags: string, width?: string, prec?: string, verb?: string) => {
    if (verb === "%") return "%";
    if (arg >= args.length) return `%!${verb}(MISSING)`;
    const v = args[arg++]!;
    let out: string;
    const p = prec === undefined ? undefined : Number(prec);
    switch (verb) {
      case "s":
      case "v":
        out = goPrint(v);
        if (p !== undefined && verb === "s") out = [...out].slice(0, p).join("");
        break;
      case "q":
        out = goQuote(goPrint(v));
        break;
      case "d":
        out = typeof v === "bigint" ? v.toString() : `%!d(${typeName(v)}=${goPrint(v)})`;
        break;
      case "f":
      case "F":
        if (p !== undefined) bounded(p, "printf");
        out = typeof v === "number" || typeof v === "bigint" ? Number(v).toFixed(p ?? 6) : `%!f(${typeName(v)}=${goPrint(v)})`;
        break;
      case "e":
        out = Number(v).toExponential(p ?? 6).replace(/e([+-])(\d)$/, "e$10$2");
        break;
      case "g":
        out = p === undefined ? goFloat(Number(v)) : Number(Number(v).toPrecision(p)).toString();
        break;
      case "x":
      case "X": {
        const hex = typeof v === "string" ? Buffer.from(v).toString("hex") : typeof v === "bigint" ? v.toString(16) : goPrint(v);
        out = verb === "X" ? hex.toUpperCase() : hex;
        break;
      }
      case "t":
        out = typeof v === "boolean" ? String(v) : `%!t(${typeName(v)}=${goPrint(v)})`;
        break;
      case "c":
        out = typeof v === "bigint" ? String.fromCodePoint(Number(v)) : `%!c(${typeName(v)}=${goPrint(v)})`;
        break;
      default:
        return `%!${verb}(${typeName(v)}=${goPrint(v)})`;
    }
    if (flags.includes("+") && /^[0-9]/.test(out) && (verb === "d" || verb === "f")) out = "+" + out;
    const w = width === undefined ? 0 : Number(width);
    bounded(w, "printf");
    if (out.length < w) {
      if (flags.includes("-")) out = out.padEnd(w);
      else if (flags.includes("0") && verb !== "s" && verb !== "q") out = out.startsWith("-") ? "-" + out.slice(1).padStart(w - 1, "0") : out.padStart(w, "0");
      else out = out.padStart(w);
    }
    void all;
    return out;
  });
}
