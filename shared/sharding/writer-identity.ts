/**
 * A writer's stable identity is its configured name (`meta.name`), not its per-process
 * instance id. After a crash the dead instance may still look live for a moment next to its
 * restarted successor: the one that started last speaks for the name.
 */
import type { ServiceInstance } from "../catalog/model.ts";

export function writerName(instance: Pick<ServiceInstance, "id" | "meta">): string {
  const name = instance.meta.name;
  return typeof name === "string" && name !== "" ? name : instance.id;
}

export function writersByName<T extends ServiceInstance>(instances: readonly T[]): Map<string, T> {
  const byName = new Map<string, T>();
  for (const instance of instances) {
    const name = writerName(instance);
    const seen = byName.get(name);
    if (!seen || instance.startedAt > seen.startedAt) byName.set(name, instance);
  }
  return byName;
}
