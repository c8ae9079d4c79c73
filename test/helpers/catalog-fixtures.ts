/** Builders for catalog rows used by the catalog tests. */
import type { DataFile, ServiceInstance } from "../../shared/catalog/index.ts";

export function instance(id: string, overrides: Partial<ServiceInstance> = {}): ServiceInstance {
  return {
    id,
    role: "writer",
    address: `127.0.0.1:${5000 + id.length}`,
    capabilities: ["storage", "live-query"],
    meta: { version: "0.1.0", pid: 4242, hostname: "test", listeners: { flight: "127.0.0.1:50061" } },
    startedAt: 1_700_000_000_000,
    lastSeen: 1_700_000_000_000,
    ...overrides,
  };
}

export function dataFile(path: string, overrides: Partial<DataFile> = {}): DataFile {
  return {
    path,
    orgId: "org-a",
    bucket: "default",
    table: "traces",
    shardId: 1,
    minTime: "1700000000123456789",
    maxTime: "1700000000987654321",
    rows: 1000,
    bytes: 5_000_000_000,
    batchIds: [`${path}#b1`, `${path}#b2`],
    createdAt: 1_700_000_001_000,
    ...overrides,
  };
}
