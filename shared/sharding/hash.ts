/**
 * The stable hash of the shard key: 64-bit FNV-1a over the UTF-8 bytes of
 * `org_id \x00 bucket \x00 table`. Stable across processes, versions and platforms, so any
 * process computes the same shard for the same key.
 */
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = 0xffffffffffffffffn;
const encoder = new TextEncoder();

export function fnv1a64(text: string): bigint {
  let hash = FNV_OFFSET;
  for (const byte of encoder.encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * FNV_PRIME) & MASK_64;
  }
  return hash;
}

export function shardOf(orgId: string, bucket: string, table: string, shardCount: number): number {
  return Number(fnv1a64(`${orgId}\x00${bucket}\x00${table}`) % BigInt(shardCount));
}
