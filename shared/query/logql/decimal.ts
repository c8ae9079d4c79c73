/**
 * Sprig's float functions (addf, subf, mulf, divf) compute in decimal (shopspring/decimal),
 * not in float64: each operand is taken at its shortest decimal form, sums and products are
 * exact, a quotient is rounded half away from zero to 16 decimal places, and the result is
 * read back as a float64. Doing the same gives the same last digits as Loki.
 */
interface Decimal {
  value: bigint;
  /** Digits after the decimal point. */
  scale: number;
}

const DIVISION_PRECISION = 16;

function fromFloat(f: number): Decimal | undefined {
  if (!Number.isFinite(f)) return undefined;
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(f))!;
  const digits = m[2]! + (m[3] ?? "");
  let scale = (m[3] ?? "").length - Number(m[4] ?? 0);
  let value = BigInt(digits);
  if (scale < 0) {
    value *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { value: m[1] ? -value : value, scale };
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [a.value * 10n ** BigInt(scale - a.scale), b.value * 10n ** BigInt(scale - b.scale), scale];
}

function toFloat(d: Decimal): number {
  const neg = d.value < 0n;
  const digits = (neg ? -d.value : d.value).toString().padStart(d.scale + 1, "0");
  const text = d.scale > 0 ? `${digits.slice(0, -d.scale)}.${digits.slice(-d.scale)}` : digits;
  return Number(neg ? `-${text}` : text);
}

export type DecimalOp = "add" | "sub" | "mul" | "div";

function apply(op: DecimalOp, a: Decimal, b: Decimal): Decimal | undefined {
  switch (op) {
    case "add":
    case "sub": {
      const [x, y, scale] = align(a, b);
      return { value: op === "add" ? x + y : x - y, scale };
    }
    case "mul":
      return { value: a.value * b.value, scale: a.scale + b.scale };
    case "div": {
      if (b.value === 0n) return undefined;
      // a / b to DIVISION_PRECISION places: (a.v * 10^(p + b.s - a.s)) / b.v, rounded half away from zero.
      const shift = DIVISION_PRECISION + b.scale - a.scale;
      let num = a.value;
      let den = b.value;
      if (shift >= 0) num *= 10n ** BigInt(shift);
      else den *= 10n ** BigInt(-shift);
      const negative = num < 0n !== den < 0n;
      const an = num < 0n ? -num : num;
      const ad = den < 0n ? -den : den;
      let q = an / ad;
      if ((an % ad) * 2n >= ad) q += 1n;
      return { value: negative ? -q : q, scale: DIVISION_PRECISION };
    }
  }
}

/** Folds `rest` into `first` with `op` as sprig's execDecimalOp does; NaN/Inf operands fall back to float64. */
export function decimalFold(op: DecimalOp, first: number, rest: readonly number[]): number {
  let acc = fromFloat(first);
  let float = first;
  for (const r of rest) {
    float = op === "add" ? float + r : op === "sub" ? float - r : op === "mul" ? float * r : float / r;
    const d = fromFloat(r);
    acc = acc && d ? apply(op, acc, d) : undefined;
  }
  return acc ? toFloat(acc) : float;
}
