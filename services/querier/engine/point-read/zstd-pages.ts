/**
 * zstd page decompression for point reads, into buffers kept between calls. A row group's
 * attribute page decompresses to megabytes; `Bun.zstdDecompressSync` returns a fresh buffer
 * each time, and faulting in and later collecting that memory costs several times the
 * decompression itself. Through the system's libzstd (bun:ffi, one decompression context)
 * the output lands in a buffer reused by the next page. Without libzstd (a host lacking
 * it), pages are decompressed by Bun, correct and slower.
 */
import { dlopen, FFIType, ptr } from "bun:ffi";

/** Output buffers up to this size are kept for the next page; a larger page gets its own. */
const MAX_KEPT_BYTES = 16 * 1024 * 1024;

type Zstd = {
  decompress(dst: Uint8Array, src: Uint8Array): number;
};

let system: Zstd | null | undefined;

/** The system libzstd, or null when it cannot be loaded (looked up once). */
function systemZstd(): Zstd | null {
  if (system !== undefined) return system;
  try {
    const lib = dlopen("libzstd.so.1", {
      ZSTD_createDCtx: { args: [], returns: FFIType.ptr },
      ZSTD_decompressDCtx: { args: [FFIType.ptr, FFIType.ptr, FFIType.u64, FFIType.ptr, FFIType.u64], returns: FFIType.u64 },
      ZSTD_isError: { args: [FFIType.u64], returns: FFIType.u32 },
    });
    const context = lib.symbols.ZSTD_createDCtx();
    if (context === null) throw new Error("ZSTD_createDCtx failed");
    system = {
      decompress(dst, src) {
        const written = lib.symbols.ZSTD_decompressDCtx(context, ptr(dst), dst.length, ptr(src), src.length);
        if (lib.symbols.ZSTD_isError(written) !== 0) throw new RangeError("zstd page does not decompress");
        return Number(written);
      },
    };
  } catch {
    system = null;
  }
  return system;
}

/**
 * Decompresses pages into one buffer per slot: a slot's result stays valid until the next
 * page decompressed into the same slot (a column's dictionary and its data pages use two).
 */
export class ZstdPages {
  private readonly buffers: Uint8Array[] = [];
  private readonly zstd: Zstd | null;

  /** `useSystem` false: always Bun's decompression (tests compare the two). */
  constructor(useSystem = true) {
    this.zstd = useSystem ? systemZstd() : null;
  }

  decompress(body: Uint8Array, size: number, slot: number): Uint8Array {
    if (this.zstd === null || body.length === 0 || size === 0) return checked(Bun.zstdDecompressSync(body), size);
    let buffer = this.buffers[slot];
    // At least one byte more than the page declares: a page that decompresses to more is caught.
    if (buffer === undefined || buffer.length <= size) {
      buffer = new Uint8Array(Math.max(size + 1, 64 * 1024));
      if (buffer.length <= MAX_KEPT_BYTES) this.buffers[slot] = buffer;
    }
    return checked(buffer.subarray(0, this.zstd.decompress(buffer, body)), size);
  }
}

function checked(page: Uint8Array, size: number): Uint8Array {
  if (page.length !== size) throw new RangeError(`page of ${page.length} bytes, its header says ${size}`);
  return page;
}
