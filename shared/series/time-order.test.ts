import { expect, test } from "bun:test";
import { timeOrder } from "./time-order.ts";
test("timeOrder is the stable time order of any samples", () => {
  for (let trial = 0; trial < 200; trial++) {
    const n = Math.floor(Math.random() * 50);
    const ts = Array.from({ length: n }, () => Math.floor(Math.random() * 10));
    const want = ts.map((_, i) => i).sort((a, b) => ts[a]! - ts[b]! || a - b);
    expect([...timeOrder(ts)]).toEqual(want);
  }
});
