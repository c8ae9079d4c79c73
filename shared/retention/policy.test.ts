import { expect, test } from "bun:test";
import { RetentionPolicy } from "./policy.ts";

const DAY = 86_400_000;

test("the most specific override wins; other orgs get the default", () => {
  const policy = new RetentionPolicy(14 * DAY, [
    { org: "acme", period: 30 * DAY },
    { org: "acme", table: "logs", period: 7 * DAY },
    { org: "acme", bucket: "audit", period: 365 * DAY },
    { org: "acme", bucket: "audit", table: "logs", period: 90 * DAY },
  ]);
  const at = (orgId: string, bucket: string, table: string) => policy.periodFor({ orgId, bucket, table }) / DAY;
  expect(at("globex", "default", "traces")).toBe(14);
  expect(at("acme", "default", "traces")).toBe(30);
  expect(at("acme", "default", "logs")).toBe(7);
  expect(at("acme", "audit", "traces")).toBe(365);
  expect(at("acme", "audit", "logs")).toBe(90);
});

test("cutoff is now minus the period, in ns", () => {
  const policy = new RetentionPolicy(1_000);
  expect(policy.cutoffNs({ orgId: "o", bucket: "b", table: "traces" }, 5_000)).toBe(4_000_000_000n);
});

test("a period of 0 keeps rows forever, and an override can say so for one org", () => {
  const policy = new RetentionPolicy(0, [{ org: "short", period: 1_000 }, { org: "short", bucket: "keep", period: 0 }]);
  expect(policy.cutoffNs({ orgId: "o", bucket: "b", table: "traces" }, 5_000)).toBeUndefined();
  expect(policy.cutoffNs({ orgId: "short", bucket: "b", table: "traces" }, 5_000)).toBe(4_000_000_000n);
  expect(policy.cutoffNs({ orgId: "short", bucket: "keep", table: "traces" }, 5_000)).toBeUndefined();
});
