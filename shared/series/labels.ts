import type { Labels } from "./types.ts";

/**
 * A label set's identity: names sorted, empty values left out (an empty value is an absent label).
 * Two label sets are the same series exactly when their keys are equal.
 */
export function labelsKey(labels: Labels): string {
  const names = Object.keys(labels).sort();
  let key = "";
  for (const name of names) {
    const value = labels[name];
    if (value === "") continue;
    key += `${name}\xff${value}\xff`;
  }
  return key;
}

/** A label set with its names in sorted order and empty values removed, as Prometheus prints it. */
export function normalizeLabels(labels: Labels): Labels {
  const names = Object.keys(labels).sort();
  const out: Record<string, string> = {};
  for (const name of names) if (labels[name] !== "") out[name] = labels[name];
  return out;
}

/** The label set without `names`. */
export function withoutLabels(labels: Labels, names: readonly string[]): Labels {
  const out: Record<string, string> = {};
  for (const name of Object.keys(labels)) if (!names.includes(name)) out[name] = labels[name];
  return out;
}

/** Only the labels in `names`. */
export function keepLabels(labels: Labels, names: readonly string[]): Labels {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = labels[name];
    if (value !== undefined && value !== "") out[name] = value;
  }
  return out;
}

/** Orders label sets as Prometheus does: name by name, then value, then the shorter set first. */
export function compareLabels(a: Labels, b: Labels): number {
  const an = Object.keys(a).filter((n) => a[n] !== "").sort();
  const bn = Object.keys(b).filter((n) => b[n] !== "").sort();
  const n = Math.min(an.length, bn.length);
  for (let i = 0; i < n; i++) {
    if (an[i] !== bn[i]) return an[i] < bn[i] ? -1 : 1;
    const av = a[an[i]];
    const bv = b[bn[i]];
    if (av !== bv) return av < bv ? -1 : 1;
  }
  return an.length - bn.length;
}

/**
 * `items` in compareLabels order (stable), each label set's sorted names found once instead of
 * at every comparison: what a sort of many series spends most of its time on otherwise.
 */
export function sortedByLabels<T>(items: readonly T[], labelsOf: (item: T) => Labels): T[] {
  const keyed = items.map((item) => ({ item, ...sortKey(labelsOf(item)) }));
  keyed.sort((a, b) => {
    const n = Math.min(a.names.length, b.names.length);
    for (let i = 0; i < n; i++) {
      if (a.names[i] !== b.names[i]) return a.names[i]! < b.names[i]! ? -1 : 1;
      if (a.values[i] !== b.values[i]) return a.values[i]! < b.values[i]! ? -1 : 1;
    }
    return a.names.length - b.names.length;
  });
  return keyed.map((k) => k.item);
}

/** Sort keys of frozen label sets (series share those across queries), kept as long as they are. */
const SORT_KEYS = new WeakMap<Labels, { names: string[]; values: string[] }>();

function sortKey(labels: Labels): { names: string[]; values: string[] } {
  const kept = SORT_KEYS.get(labels);
  if (kept !== undefined) return kept;
  const names = Object.keys(labels).filter((n) => labels[n] !== "").sort();
  const key = { names, values: names.map((n) => labels[n]!) };
  if (Object.isFrozen(labels)) SORT_KEYS.set(labels, key);
  return key;
}

/** Printable form for error messages: `{a="1", b="2"}`. */
export function formatLabels(labels: Labels): string {
  const names = Object.keys(labels).sort();
  return `{${names.map((n) => `${n}=${JSON.stringify(labels[n])}`).join(", ")}}`;
}
