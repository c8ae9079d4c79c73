/**
 * A batch id derived from the request itself — tenant, signal and the decoded body — rather
 * than drawn at random: an exporter that retries an export whose answer it never got (a
 * timeout, a 503 after the writers had it) sends the same bytes, gets the same batch id, and
 * the writers and queries keep it once. SHA-256, because a collision would drop a batch.
 */
export function requestBatchId(orgId: string, bucket: string, signal: string, body: Uint8Array): string {
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(`${orgId}\x00${bucket}\x00${signal}\x00`);
  hasher.update(body);
  const hex = hasher.digest("hex").slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
