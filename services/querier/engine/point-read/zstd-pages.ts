/**
 * zstd page decompression for point reads, into buffers kept between calls. A row group's
 * attribute page decompresses to megabytes; `Bun.zstdDecompressSync` returns a fresh buffer
 * each time, and faulting in and later collecting that memory costs several times the
 * decompression itself. Through the system's libzstd (bun:ffi, one decompression context)
 * the output lands in a buffer reused by the next page. Without libzstd (a host lacking
 * it), pages are decompressed by Bun, correct and slower.
 *
 * A plain-encoded page stores its values in row order, so the rows a point read wants end
 * somewhere inside it: `prefix` decompresses a page only as far as its reader asks (zstd's
 * streaming API, fed the compressed bytes a little at a time, writing straight into the kept
 * buffer), and a trace near the start of a large row group never pays for the rest of it.
 */
import { dlopen, FFIType, ptr, type Library } from "bun:ffi";

/** Output buffers up to this size are kept for the next page; a larger page gets its own. */
const MAX_KEPT_BYTES = 16 * 1024 * 1024;

/**
 * Compressed bytes fed per streaming step: about one zstd block of well-compressed JSON
 * (blocks decompress whole, so a smaller step saves nothing).
 */
const STREAM_STEP_BYTES = 4 * 1024;

/** zstd's ZSTD_d_stableOutBuffer (an experimental parameter, stable in libzstd since 1.4.4). */
const ZSTD_D_STABLE_OUT_BUFFER = 1001;
const ZSTD_RESET_SESSION_ONLY = 1;

/** A page's bytes decompressed on demand. */
export interface PagePrefix {
  /** At least the page's first `bytes` bytes (all of it when it is shorter); valid until the next page of its slot. */
  upTo(bytes: number): Uint8Array;
}

type Stream = {
  /** Starts a page: `src` decompresses into `dst` (kept unchanged until the page is done). */
  begin(dst: Uint8Array, src: Uint8Array): void;
  /** Decompresses until at least `bytes` bytes are out or the page ends; returns the bytes out so far. */
  until(bytes: number): number;
};

type Zstd = {
  decompress(dst: Uint8Array, src: Uint8Array): number;
  /** null when this libzstd cannot stream into a kept buffer. */
  stream: Stream | null;
};

let system: Zstd | null | undefined;

const ZSTD_SYMBOLS = {
  ZSTD_createDCtx: { args: [], returns: FFIType.ptr },
  ZSTD_decompressDCtx: { args: [FFIType.ptr, FFIType.ptr, FFIType.u64, FFIType.ptr, FFIType.u64], returns: FFIType.u64 },
  ZSTD_isError: { args: [FFIType.u64], returns: FFIType.u32 },
  ZSTD_DCtx_setParameter: { args: [FFIType.ptr, FFIType.i32, FFIType.i32], returns: FFIType.u64 },
  ZSTD_DCtx_reset: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.u64 },
  ZSTD_decompressStream: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.u64 },
} as const;

type ZstdSymbols = Library<typeof ZSTD_SYMBOLS>["symbols"];

/** The system libzstd, or null when it cannot be loaded (looked up once). */
function systemZstd(): Zstd | null {
  if (system !== undefined) return system;
  try {
    const lib = dlopen("libzstd.so.1", ZSTD_SYMBOLS);
    const context = lib.symbols.ZSTD_createDCtx();
    if (context === null) throw new Error("ZSTD_createDCtx failed");
    const failed = (code: number | bigint) => lib.symbols.ZSTD_isError(code) !== 0;
    system = {
      decompress(dst, src) {
        const written = lib.symbols.ZSTD_decompressDCtx(context, ptr(dst), dst.length, ptr(src), src.length);
        if (failed(written)) throw new RangeError("zstd page does not decompress");
        return Number(written);
      },
      stream: null,
    };
    // A context of its own: a page streamed in steps must not share state with whole-page calls.
    const streaming = lib.symbols.ZSTD_createDCtx();
    if (streaming !== null && !failed(lib.symbols.ZSTD_DCtx_setParameter(streaming, ZSTD_D_STABLE_OUT_BUFFER, 1))) {
      system.stream = zstdStream(lib.symbols, streaming, failed);
    }
  } catch {
    system = null;
  }
  return system;
}

/** Streaming state over ZSTD_outBuffer and ZSTD_inBuffer ({ pointer, size, pos }, 64-bit fields each). */
function zstdStream(symbols: ZstdSymbols, context: NonNullable<ReturnType<ZstdSymbols["ZSTD_createDCtx"]>>, failed: (code: number | bigint) => boolean): Stream {
  const out = new BigUint64Array(3);
  const input = new BigUint64Array(3);
  let srcLength = 0;
  let done = false;
  return {
    begin(dst, src) {
      if (failed(symbols.ZSTD_DCtx_reset(context, ZSTD_RESET_SESSION_ONLY))) throw new RangeError("zstd stream does not reset");
      out[0] = BigInt(ptr(dst));
      out[1] = BigInt(dst.length);
      out[2] = 0n;
      input[0] = BigInt(ptr(src));
      input[1] = 0n;
      input[2] = 0n;
      srcLength = src.length;
      done = false;
    },
    until(bytes) {
      while (!done && Number(out[2]) < bytes) {
        const fed = Number(input[1]);
        if (Number(input[2]) === fed) {
          if (fed === srcLength) throw new RangeError("zstd page ends early");
          input[1] = BigInt(Math.min(srcLength, fed + STREAM_STEP_BYTES));
        }
        const hint = symbols.ZSTD_decompressStream(context, ptr(out), ptr(input));
        if (failed(hint)) throw new RangeError("zstd page does not decompress");
        done = Number(hint) === 0;
      }
      return Number(out[2]);
    },
  };
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
    const buffer = this.buffer(size, slot);
    return checked(buffer.subarray(0, this.zstd.decompress(buffer, body)), size);
  }

  /**
   * A page of `size` bytes decompressed only as far as `upTo` asks. The page must be read
   * through before another page of any slot is: the stream is shared.
   */
  prefix(body: Uint8Array, size: number, slot: number): PagePrefix {
    const stream = this.zstd?.stream;
    if (stream === null || stream === undefined || body.length === 0 || size === 0) {
      const whole = this.decompress(body, size, slot);
      return { upTo: () => whole };
    }
    const buffer = this.buffer(size, slot);
    stream.begin(buffer, body);
    return {
      upTo(bytes) {
        const out = stream.until(Math.min(bytes, size + 1));
        // Whole: exactly the size its header declares (the buffer holds one byte more to catch a longer page).
        return bytes >= size ? checked(buffer.subarray(0, out), size) : buffer.subarray(0, Math.min(out, size));
      },
    };
  }

  /** The slot's kept buffer, at least one byte longer than `size`: a page that decompresses to more is caught. */
  private buffer(size: number, slot: number): Uint8Array {
    let buffer = this.buffers[slot];
    if (buffer === undefined || buffer.length <= size) {
      buffer = new Uint8Array(Math.max(size + 1, 64 * 1024));
      if (buffer.length <= MAX_KEPT_BYTES) this.buffers[slot] = buffer;
    }
    return buffer;
  }
}

function checked(page: Uint8Array, size: number): Uint8Array {
  if (page.length !== size) throw new RangeError(`page of ${page.length} bytes, its header says ${size}`);
  return page;
}
