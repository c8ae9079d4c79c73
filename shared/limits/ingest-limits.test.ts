import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, validate } from "../config/index.ts";
import { MetricsRegistry } from "../metrics/index.ts";
import { IngestLimits, LimitExceededError, LimitHits, TenantLimitsTable } from "./index.ts";

const table = (limits: Record<string, unknown>) => new TenantLimitsTable(validate({ limits }).limits);

const refusal = (fn: () => void): LimitExceededError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof LimitExceededError) return err;
    throw err;
  }
  throw new Error("expected a LimitExceededError");
};

describe("overrides", () => {
  test("an org's override replaces only the keys it names; other orgs get the defaults", () => {
    const t = table({ max_concurrent_queries: 8, overrides: { acme: { ingest_rate_bytes: 1000 } } });
    expect(t.for("acme").ingest_rate_bytes).toBe(1000);
    expect(t.for("acme").max_concurrent_queries).toBe(8);
    expect(t.for("other").ingest_rate_bytes).toBe(64 * 1024 * 1024);
    expect(t.for("constructor").ingest_rate_bytes).toBe(64 * 1024 * 1024);
  });

  test("overrides from a TOML file, the environment (JSON) and flags", async () => {
    const path = `${mkdtempSync(join(tmpdir(), "sb-limits-"))}/limits.toml`;
    writeFileSync(path, "[limits.overrides.acme]\ningest_rate_bytes = 1000\n[limits.overrides.zeta]\nmax_query_series = 7\n");
    const config = await loadConfig({
      argv: ["--config", path, "--limits.overrides.acme.max_concurrent_queries=3"],
      env: { SIGNALBOX_LIMITS_OVERRIDES: '{"globex":{"ingest_burst_bytes":5000}}' },
    });
    const t = new TenantLimitsTable(config.limits);
    expect([t.for("acme").ingest_rate_bytes, t.for("acme").max_concurrent_queries]).toEqual([1000, 3]);
    expect(t.for("zeta").max_query_series).toBe(7);
    expect(t.for("globex").ingest_burst_bytes).toBe(5000);
    await expect(loadConfig({ argv: ["--limits.overrides.acme.ingest_rate_bytes=fast"], env: {} })).rejects.toThrow(
      /limits\.overrides\.acme\.ingest_rate_bytes/,
    );
  });

  test("an unknown override key is a configuration error naming it", () => {
    expect(() => validate({ limits: { overrides: { acme: { ingest_rate: 5 } } } })).toThrow(/limits\.overrides\.acme/);
  });
});

describe("ingest rate", () => {
  test("the bucket admits the burst, then the rate; the refusal says when to retry", () => {
    const limits = new IngestLimits({ table: table({ ingest_rate_bytes: 1000, ingest_burst_bytes: 2000 }), hits: new LimitHits(undefined), share: () => 1 });
    limits.admit("a", 2000, 0);
    const refused = refusal(() => limits.admit("a", 500, 0));
    expect(refused.limit).toBe("ingest_rate_bytes");
    expect(refused.retryAfterMs).toBe(500);
    limits.admit("a", 500, 500);
    limits.admit("b", 2000, 500); // another org has its own bucket
  });

  test("a refund gives back what an unstored request took, never past the burst", () => {
    const limits = new IngestLimits({ table: table({ ingest_rate_bytes: 1000, ingest_burst_bytes: 2000 }), hits: new LimitHits(undefined), share: () => 1 });
    limits.admit("a", 2000, 0);
    limits.refund("a", 2000, 0);
    limits.admit("a", 2000, 0);
    limits.refund("a", 5000, 0);
    expect(refusal(() => limits.admit("a", 2001, 0)).limit).toBe("ingest_burst_bytes");
    limits.admit("a", 2000, 0);
    expect(refusal(() => limits.admit("a", 1, 0)).limit).toBe("ingest_rate_bytes");
  });

  test("global strategy: each instance refills at rate / live instances; the burst is not divided", () => {
    let share = 4;
    const limits = new IngestLimits({ table: table({ ingest_rate_bytes: 1000, ingest_burst_bytes: 1000 }), hits: new LimitHits(undefined), share: () => share });
    expect(limits.localRate("a")).toBe(250);
    limits.admit("a", 1000, 0);
    expect(refusal(() => limits.admit("a", 500, 0)).retryAfterMs).toBe(2000);
    share = 1;
    expect(refusal(() => limits.admit("a", 500, 0)).retryAfterMs).toBe(500);
  });

  test("local strategy: every instance admits the full rate", () => {
    const limits = new IngestLimits({
      table: table({ ingest_rate_strategy: "local", ingest_rate_bytes: 1000 }),
      hits: new LimitHits(undefined),
      share: () => 4,
    });
    expect(limits.localRate("a")).toBe(1000);
  });

  test("requests that can never pass are refused without retry information, and counted", async () => {
    const metrics = new MetricsRegistry();
    const limits = new IngestLimits({
      table: table({ ingest_burst_bytes: 1000, max_request_bytes: 5000 }),
      hits: new LimitHits(metrics),
      share: () => 1,
    });
    const tooBig = refusal(() => limits.admit("a", 6000, 0));
    expect([tooBig.limit, tooBig.retryAfterMs]).toEqual(["max_request_bytes", undefined]);
    const overBurst = refusal(() => limits.admit("a", 2000, 0));
    expect([overBurst.limit, overBurst.retryAfterMs]).toEqual(["ingest_burst_bytes", undefined]);
    expect((await metrics.render())).toContain('signalbox_limit_hits_total{limit="max_request_bytes",org="a"} 1');
    expect((await metrics.render())).toContain('signalbox_limit_hits_total{limit="ingest_burst_bytes",org="a"} 1');
  });
});
