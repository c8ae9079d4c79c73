/**
 * NATS names of discovery: `services.{role}.{kind}` subjects and `{role}.{id}` KV keys.
 * Roles and ids are plain tokens (lower-case words, UUIDs), so they are safe in both.
 */
export type AnnouncementKind = "register" | "heartbeat" | "deregister";

const KINDS: readonly AnnouncementKind[] = ["register", "heartbeat", "deregister"];

/** Every announcement of every role. */
export const ALL_ANNOUNCEMENTS = "services.*.*";

export function announcementSubject(role: string, kind: AnnouncementKind): string {
  return `services.${role}.${kind}`;
}

export function parseAnnouncementSubject(subject: string): { role: string; kind: AnnouncementKind } | undefined {
  const parts = subject.split(".");
  if (parts.length !== 3 || parts[0] !== "services") return undefined;
  const kind = parts[2] as AnnouncementKind;
  return KINDS.includes(kind) ? { role: parts[1]!, kind } : undefined;
}

export function registryKey(role: string, id: string): string {
  return `${role}.${id}`;
}

export function parseRegistryKey(key: string): { role: string; id: string } | undefined {
  const dot = key.indexOf(".");
  if (dot <= 0 || dot === key.length - 1) return undefined;
  return { role: key.slice(0, dot), id: key.slice(dot + 1) };
}
