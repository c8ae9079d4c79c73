/**
 * Cluster secret: with `secret` set, every Flight call must carry it in metadata. Compared in
 * constant time over SHA-256 digests so neither content nor length leaks through timing.
 */
import { createHash, timingSafeEqual } from "node:crypto";

export const SECRET_METADATA_KEY = "x-signalbox-secret";

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

export function secretMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  return timingSafeEqual(digest(expected), digest(presented));
}
