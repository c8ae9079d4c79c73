/** How the topology CLI shows live instances: a table for people, a JSON array for scripts. */
import type { EvidenceSource, LiveInstance } from "./types.ts";

export interface TopologyRow {
  id: string;
  role: string;
  address: string;
  /** Epoch ms of the newest heartbeat from any source. */
  last_seen: number;
  age_ms: number;
  capabilities: string[];
  sources: EvidenceSource[];
}

export function topologyRows(instances: readonly LiveInstance[], now = Date.now()): TopologyRow[] {
  return [...instances]
    .sort((a, b) => a.role.localeCompare(b.role) || a.id.localeCompare(b.id))
    .map((instance) => ({
      id: instance.id,
      role: instance.role,
      address: instance.address,
      last_seen: instance.lastSeen,
      age_ms: Math.max(0, now - instance.lastSeen),
      capabilities: instance.capabilities,
      sources: instance.sources,
    }));
}

export function formatAge(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m${Math.floor((ms % 60_000) / 1_000)}s`;
  return `${Math.floor(ms / 3_600_000)}h${Math.floor((ms % 3_600_000) / 60_000)}m`;
}

export function sourceLabel(sources: readonly EvidenceSource[]): string {
  return sources.length === 2 ? "both" : (sources[0] ?? "-");
}

export function formatTopologyTable(rows: readonly TopologyRow[]): string {
  const header = ["ID", "ROLE", "ADDRESS", "LAST HEARTBEAT", "SOURCE"];
  const cells = rows.map((r) => [r.id, r.role, r.address, `${formatAge(r.age_ms)} ago`, sourceLabel(r.sources)]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(header), ...cells.map(line)].join("\n");
}
