/**
 * The registry document of one running instance: how it is built at start, and how it
 * travels on NATS (the same JSON as the catalog model, validated on receipt because any
 * process on the bus may publish on `services.>`).
 */
import { hostname } from "node:os";
import { z } from "zod";
import type { ServiceInstance } from "../catalog/model.ts";
import packageJson from "../../package.json" with { type: "json" };
import { DiscoveryError } from "./errors.ts";

export interface InstanceSpec {
  role: string;
  address: string;
  capabilities: string[];
  /** Extra facts; `listeners` (name → address) is kept, the rest merged over the defaults. */
  meta?: Record<string, unknown>;
  now?: number;
}

export function buildInstance(spec: InstanceSpec): ServiceInstance {
  const now = spec.now ?? Date.now();
  const meta: Record<string, unknown> = {
    version: packageJson.version,
    pid: process.pid,
    hostname: hostname(),
    listeners: { main: spec.address },
    ...spec.meta,
  };
  return {
    id: crypto.randomUUID(),
    role: spec.role,
    address: spec.address,
    capabilities: [...spec.capabilities],
    meta,
    startedAt: now,
    lastSeen: now,
  };
}

const instanceSchema = z.object({
  id: z.string().min(1),
  role: z.string().min(1),
  address: z.string(),
  capabilities: z.array(z.string()),
  meta: z.record(z.string(), z.unknown()),
  startedAt: z.number(),
  lastSeen: z.number(),
});

export function encodeInstance(instance: ServiceInstance): string {
  return JSON.stringify(instance);
}

export function decodeInstance(text: string): ServiceInstance {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DiscoveryError("invalid_payload", "instance payload is not JSON", { cause: err });
  }
  const parsed = instanceSchema.safeParse(json);
  if (!parsed.success) throw new DiscoveryError("invalid_payload", `instance payload invalid: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}
