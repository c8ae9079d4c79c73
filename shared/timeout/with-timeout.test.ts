import { describe, expect, test } from "bun:test";
import { settlesWithin, withTimeout } from "./index.ts";

class Late extends Error {}

describe("withTimeout", () => {
  test("work that settles in time keeps its value or its error", async () => {
    expect(await withTimeout(Promise.resolve(7), 1_000, () => new Late())).toBe(7);
    await expect(withTimeout(Promise.reject(new RangeError("no")), 1_000, () => new Late())).rejects.toBeInstanceOf(RangeError);
  });

  test("slow work rejects with the caller's error; its late failure is not unhandled", async () => {
    const slow = Bun.sleep(50).then(() => {
      throw new Error("late");
    });
    await expect(withTimeout(slow, 5, () => new Late("gave up"))).rejects.toBeInstanceOf(Late);
    await Bun.sleep(80); // an unhandled rejection here would fail the test run
  });
});

describe("settlesWithin", () => {
  test("true for work done in time, false past the limit, its failure thrown", async () => {
    expect(await settlesWithin(Promise.resolve(), 1_000)).toBe(true);
    expect(await settlesWithin(Bun.sleep(200), 5)).toBe(false);
    await expect(settlesWithin(Promise.reject(new RangeError("x")), 1_000)).rejects.toBeInstanceOf(RangeError);
  });
});
