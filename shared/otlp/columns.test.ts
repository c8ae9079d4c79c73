import { expect, setDefaultTimeout, test } from "bun:test";
import { Dictionary, Int32, Utf8, makeVector } from "apache-arrow";
import { INTEGRATION_TIMEOUT_MS } from "../../test/helpers/timeouts.ts";
import { Float64Builder, Int32Builder, Int64Builder, RepeatedUtf8Column } from "./columns.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const values = (data: Parameters<typeof makeVector>[0]) => [...makeVector(data as never)];

test("runs of zeros and nulls (left as the zeros they are) read as row-by-row pushes", () => {
  let seed = 5;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (let round = 0; round < 50; round++) {
    const runs = new Int64Builder(), rows = new Int64Builder();
    const fRuns = new Float64Builder(), fRows = new Float64Builder();
    const iRuns = new Int32Builder(), iRows = new Int32Builder();
    const sRuns = new RepeatedUtf8Column(), sRows = new RepeatedUtf8Column();
    const texts = [new TextEncoder().encode("a"), new TextEncoder().encode("b")];
    if (rand() < 0.5) [runs, fRuns, iRuns, sRuns].forEach((b) => b.reserve(Math.floor(rand() * 600)));
    for (let k = 0; k < 40; k++) {
      const n = Math.floor(rand() * 70);
      const pick = rand();
      if (pick < 0.3) {
        runs.pushWordsRun(0, 0, n);
        for (let i = 0; i < n; i++) rows.pushWords(0, 0);
      } else if (pick < 0.5) {
        runs.pushNulls(n);
        for (let i = 0; i < n; i++) rows.pushNull();
      } else {
        const [lo, hi] = [Math.floor(rand() * 2 ** 32), Math.floor(rand() * 2 ** 32)];
        runs.pushWordsRun(lo, hi, n);
        for (let i = 0; i < n; i++) rows.pushWords(lo, hi);
      }
      if (rand() < 0.5) {
        fRuns.pushNulls(n);
        for (let i = 0; i < n; i++) fRows.pushNull();
      } else for (let i = 0; i < n; i++) [fRuns, fRows].forEach((b) => b.push(i + 0.5));
      const v = rand() < 0.5 ? 0 : 7;
      iRuns.pushRun(v, n);
      for (let i = 0; i < n; i++) iRows.push(v);
      const t = texts[Math.floor(rand() * 2)]!;
      sRuns.pushRun(t, n);
      for (let i = 0; i < n; i++) sRows.pushBytes(t);
    }
    expect(values(runs.finish())).toEqual(values(rows.finish()));
    expect(values(fRuns.finish())).toEqual(values(fRows.finish()));
    expect(values(iRuns.finish())).toEqual(values(iRows.finish()));
    const dict = new Dictionary(new Utf8(), new Int32());
    expect(values(sRuns.finish(dict))).toEqual(values(sRows.finish(dict)));
  }
});
