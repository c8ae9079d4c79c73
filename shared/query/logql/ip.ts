/**
 * Loki's `ip("…")` matching: the pattern is one address, a CIDR range (`10.0.0.0/8`) or an
 * address range (`10.0.0.1-10.0.0.9`), IPv4 or IPv6. A label filter tests the label's value;
 * a line filter tests every address-looking word of the line.
 */
export class IpPatternError extends Error {}

interface Address {
  v6: boolean;
  value: bigint;
}

function parseV4(s: string): bigint | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255 || (p.length > 1 && p[0] === "0")) return undefined;
    v = (v << 8n) | BigInt(p);
  }
  return v;
}

function parseV6(s: string): bigint | undefined {
  if (!s.includes(":")) return undefined;
  let text = s;
  let tail: bigint[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    const v4 = parseV4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [v4 >> 16n, v4 & 0xffffn];
    text = text.slice(0, lastColon + 1) + "0";
    text = text.slice(0, -1).replace(/:$/, text.endsWith("::0") ? "::" : "");
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const total = head.length + rest.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const words: bigint[] = [];
  for (const g of [...head]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    words.push(BigInt(`0x${g}`));
  }
  for (let i = 0; i < 8 - total; i++) words.push(0n);
  for (const g of rest) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    words.push(BigInt(`0x${g}`));
  }
  words.push(...tail);
  return words.reduce((acc, w) => (acc << 16n) | w, 0n);
}

export function parseAddress(s: string): Address | undefined {
  const v4 = parseV4(s);
  if (v4 !== undefined) return { v6: false, value: v4 };
  const v6 = parseV6(s);
  return v6 === undefined ? undefined : { v6: true, value: v6 };
}

export type IpMatcher = (address: string) => boolean;

export function compileIpPattern(pattern: string): IpMatcher {
  const slash = pattern.indexOf("/");
  if (slash >= 0) {
    const base = parseAddress(pattern.slice(0, slash));
    const bitsText = pattern.slice(slash + 1);
    const width = base?.v6 ? 128 : 32;
    if (!base || !/^\d+$/.test(bitsText) || Number(bitsText) > width) throw new IpPatternError(`invalid CIDR ${pattern}`);
    const shift = BigInt(width - Number(bitsText));
    const prefix = base.value >> shift;
    return (a) => {
      const addr = parseAddress(a);
      return addr !== undefined && addr.v6 === base.v6 && addr.value >> shift === prefix;
    };
  }
  const dash = pattern.indexOf("-");
  if (dash >= 0) {
    const from = parseAddress(pattern.slice(0, dash));
    const to = parseAddress(pattern.slice(dash + 1));
    if (!from || !to || from.v6 !== to.v6 || from.value > to.value) throw new IpPatternError(`invalid IP range ${pattern}`);
    return (a) => {
      const addr = parseAddress(a);
      return addr !== undefined && addr.v6 === from.v6 && addr.value >= from.value && addr.value <= to.value;
    };
  }
  const only = parseAddress(pattern);
  if (!only) throw new IpPatternError(`invalid IP ${pattern}`);
  return (a) => {
    const addr = parseAddress(a);
    return addr !== undefined && addr.v6 === only.v6 && addr.value === only.value;
  };
}

/** Words of a line that could be addresses (digits, hex, dots, colons), as Loki scans them. */
export function addressCandidates(line: string): string[] {
  return line.match(/[0-9a-fA-F:.]*[0-9a-fA-F][0-9a-fA-F:.]*/g)?.filter((w) => w.includes(".") || w.includes(":")) ?? [];
}
