/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial) of the record payload. Bun ships a native
 * one (`Bun.hash.crc32`, far faster); the table version is the fallback for runtimes
 * without it and the reference the test checks the native one against.
 */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** `previous`: the CRC of the bytes before these (chaining over pieces gives the CRC of their concatenation). */
export function crc32Table(bytes: Uint8Array, previous = 0): number {
  let c = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const native = typeof Bun !== "undefined" && typeof Bun.hash?.crc32 === "function" ? Bun.hash.crc32 : undefined;

export const crc32: (bytes: Uint8Array, previous?: number) => number = native
  ? (bytes, previous = 0) => native(bytes, previous) >>> 0
  : crc32Table;
