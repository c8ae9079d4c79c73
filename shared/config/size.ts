/**
 * Sizes in the configuration are strings ("512MB", "1GiB"), the way DuckDB takes them too.
 * KB/MB/GB are powers of 1000 and KiB/MiB/GiB powers of 1024, as DuckDB reads them.
 */
const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

export const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)$/i;

/** Bytes of a size string, or undefined when it is not one. */
export function parseSize(text: string): number | undefined {
  const match = SIZE_PATTERN.exec(text.trim());
  if (!match) return undefined;
  return Math.floor(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!);
}

/** A byte count as DuckDB and people read it ("384.0MiB"). */
export function formatSize(bytes: number): string {
  const mib = bytes / 1024 ** 2;
  return mib >= 1024 ? `${(mib / 1024).toFixed(1)}GiB` : `${mib.toFixed(1)}MiB`;
}
