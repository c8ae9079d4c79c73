import { expect, test } from "bun:test";
import { inTimeOrder, timeOrder } from "./time-order.ts";
test("timeOrder is the stable time order of any samples", () => {
  for (let trial = 0; trial < 200; trial++) {
    const n = Math.floor(Math.random() * 50);
    const ts = Array.from({ length: n }, () => Math.floor(Math.random() * 10));
    const want = ts.map((_, i) => i).sort((a, b) => ts[a]! - ts[b]! || a - b);
    expect([...timeOrder(ts)]).toEqual(want);
  }
});

test("runs laid end to end keep the stable order, ties at their edges included", () => {
  for (let trial = 0; trial < 300; trial++) {
    // Ascending blocks over successive spans that may share an edge time, shuffled.
    const blocks: number[][] = [];
    let t = 0;
    for (let b = 0, count = 1 + Math.floor(Math.random() * 6); b < count; b++) {
      const block: number[] = [];
      for (let i = 0, len = 1 + Math.floor(Math.random() * 5); i < len; i++) block.push((t += Math.floor(Math.random() * 2)));
      blocks.push(block);
      if (Math.random() < 0.2) t++;
    }
    blocks.sort(() => Math.random() - 0.5);
    const ts = Float64Array.from(blocks.flat());
    const values = Float64Array.from(ts, (_, i) => i);
    const want = [...ts.keys()].sort((a, b) => ts[a]! - ts[b]! || a - b);
    expect([...timeOrder(ts)]).toEqual(want);
    const ordered = inTimeOrder(ts, values);
    expect([...ordered.values]).toEqual(want);
    expect([...ordered.ts]).toEqual(want.map((i) => ts[i]!));
  }
});

test("runs interleaved in blocks, as parallel readers give them, merge in the stable order", () => {
  for (let trial = 0; trial < 100; trial++) {
    const runs: number[][] = Array.from({ length: 2 + Math.floor(Math.random() * 4) }, () => []);
    let t = 0;
    for (let b = 0; b < 30; b++) {
      const run = runs[Math.floor(Math.random() * runs.length)]!;
      for (let i = 0, len = 1 + Math.floor(Math.random() * (Math.random() < 0.5 ? 4 : 100)); i < len; i++) run.push((t += Math.floor(Math.random() * 2)));
      if (Math.random() < 0.3) t -= Math.floor(Math.random() * 3);
    }
    for (const run of runs) run.sort((a, b) => a - b);
    const ts = Float64Array.from(runs.flat());
    if (Math.random() < 0.1) ts[Math.floor(Math.random() * ts.length)] = NaN;
    const want = [...ts.keys()].sort((a, b) => ts[a]! - ts[b]! || a - b);
    const got = [...timeOrder(ts)];
    if (ts.some((x) => Number.isNaN(x))) expect(got.slice().sort((a, b) => a - b)).toEqual([...ts.keys()]);
    else expect(got).toEqual(want);
    const ordered = inTimeOrder(ts, Float64Array.from(ts, (_, i) => i));
    expect([...ordered.values]).toEqual(ts.some((x) => Number.isNaN(x)) ? got : want);
    expect(Object.is(ordered.ts[0], ts[got[0]!])).toBe(true);
  }
});
