/** Matching instances against a caller's selector. */
import type { ServiceInstance } from "../catalog/model.ts";
import type { Selector } from "./types.ts";

export function matchesSelector(instance: ServiceInstance, selector: Selector | undefined): boolean {
  if (selector === undefined) return true;
  if (typeof selector === "string") return instance.role === selector || instance.capabilities.includes(selector);
  if (selector.role !== undefined && instance.role !== selector.role) return false;
  if (selector.capability !== undefined && !instance.capabilities.includes(selector.capability)) return false;
  return true;
}

/** A stable key for per-selector state (round-robin cursors). */
export function selectorKey(selector: Selector): string {
  if (typeof selector === "string") return `any:${selector}`;
  return `role:${selector.role ?? "*"}|cap:${selector.capability ?? "*"}`;
}
