/**
 * Each row's rank among the distinct Int64 times of a set of batches, when they are few (a
 * flush of metrics: every series sampled at the same instants). The row order then needs one
 * counting pass by (group, rank) instead of one per 16-bit digit of the time; equal times get
 * equal ranks, so the order is exactly the comparison sort's, ties in input order.
 *
 * Distinct times are found with an open-addressing table over the times' 32-bit words.
 */

/** Ranks of rows (global row g over the batches in order), or undefined past `limit` distinct times. */
export function timeRanks(words: readonly Int32Array[], sizes: readonly number[], total: number, limit: number): { ofRow: Uint32Array; count: number } | undefined {
  let bits = 10;
  let slots: Int32Array = new Int32Array(1 << bits).fill(-1);
  let distinctLo: Int32Array = new Int32Array(256);
  let distinctHi: Int32Array = new Int32Array(256);
  let count = 0;
  const idOfRow = new Uint32Array(total);
  for (let b = 0, g = 0; b < sizes.length; b++) {
    const w = words[b]!;
    for (let r = 0; r < sizes[b]!; r++, g++) {
      const lo = w[r * 2]!;
      const hi = w[r * 2 + 1]!;
      const mask = (1 << bits) - 1;
      let s = hashWords(lo, hi) >>> (32 - bits);
      for (;;) {
        const id = slots[s]!;
        if (id === -1) {
          if (count === limit) return undefined;
          if (count === distinctLo.length) {
            distinctLo = grown(distinctLo);
            distinctHi = grown(distinctHi);
          }
          distinctLo[count] = lo;
          distinctHi[count] = hi;
          slots[s] = count;
          idOfRow[g] = count++;
          // Kept at most half full: probes stay short.
          if (count * 2 > 1 << bits) {
            bits++;
            slots = rehash(distinctLo, distinctHi, count, bits);
          }
          break;
        }
        if (distinctLo[id] === lo && distinctHi[id] === hi) {
          idOfRow[g] = id;
          break;
        }
        s = (s + 1) & mask;
      }
    }
  }
  // Signed high word, then unsigned low word: the int64's order.
  const ids = Array.from({ length: count }, (_, i) => i).sort((a, b) => distinctHi[a]! - distinctHi[b]! || (distinctLo[a]! >>> 0) - (distinctLo[b]! >>> 0));
  const rankOfId = new Uint32Array(count);
  ids.forEach((id, rank) => (rankOfId[id] = rank));
  // Each row's id becomes its rank in place: no second array per row.
  for (let g = 0; g < total; g++) idOfRow[g] = rankOfId[idOfRow[g]!]!;
  return { ofRow: idOfRow, count };
}

function hashWords(lo: number, hi: number): number {
  return Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) ^ Math.imul(hi, 0xc2b2ae35);
}

function rehash(lo: Int32Array, hi: Int32Array, count: number, bits: number): Int32Array {
  const slots = new Int32Array(1 << bits).fill(-1);
  const mask = (1 << bits) - 1;
  for (let id = 0; id < count; id++) {
    let s = hashWords(lo[id]!, hi[id]!) >>> (32 - bits);
    while (slots[s] !== -1) s = (s + 1) & mask;
    slots[s] = id;
  }
  return slots;
}

function grown(a: Int32Array): Int32Array {
  const next = new Int32Array(a.length * 2);
  next.set(a);
  return next;
}
