import { describe, expect, test } from "bun:test";
import { Drain, tokenize } from "./drain.ts";

describe("Drain clustering", () => {
  test("tokens keep words whole and punctuation apart; joining them gives the line back", () => {
    const line = 'level=info msg="GET /api/orders/12" took=3.5ms';
    expect(tokenize(line)).toEqual(["level", "=", "info", " ", "msg", "=", '"', "GET", " ", "/api/orders/12", '"', " ", "took", "=", "3.5ms"]);
    expect(tokenize('{"a":1}')).toEqual(["{", '"', "a", '"', ":", "1", "}"]);
    expect(tokenize(line)!.join("")).toBe(line);
  });

  test("similar lines share a pattern; differing words become <_>", () => {
    const drain = new Drain();
    for (const l of ["GET /api/orders/123 200 12ms", "GET /api/orders/456 200 30ms", "user u1 logged in", "user u2 logged in", "GET /api/cart 200 5ms"]) drain.train(l);
    const patterns = drain.clusters.map((c) => [drain.pattern(c), c.size]);
    // A first word without digits picks its own branch of the tree, as in Drain.
    expect(patterns).toEqual([
      ["GET <_> 200 <_>", 2],
      ["user <_> logged in", 2],
      ["GET /api/cart 200 5ms", 1],
    ]);
  });

  test("lines of different shapes stay apart; structured lines keep their keys", () => {
    const drain = new Drain();
    drain.train('{"status":200,"latency":"12ms"}');
    drain.train('{"status":500,"latency":"1.5s"}');
    drain.train("level=warn msg=slow took=2s");
    expect(drain.clusters.map((c) => drain.pattern(c))).toEqual(['{"status":<_>,"latency":"<_>"}', "level=warn msg=slow took=2s"]);
  });
});
