/**
 * An IPC message body kept as the parts its encoder produced — the sending batch's own
 * buffers and their padding — when the stream never crossed a transport (the in-process
 * DoPut, docs/architecture.md §3). The receiver loads its columns from those parts and the
 * WAL writes them as they are, so the body is never joined into one fresh buffer; anything
 * else that reads `body` gets the joined bytes, built once.
 */
import type { DataType, Vector } from "apache-arrow";
import type { BufferRegion, FieldNode } from "apache-arrow/ipc/metadata/message";
import type { MetadataVersion } from "apache-arrow/enum";
import { VectorLoader } from "apache-arrow/visitor/vectorloader";

export interface PartedBody {
  readonly body: Uint8Array;
  readonly bodyParts: readonly Uint8Array[];
  /** The parts' total length, as the sender counted it: readers take it from here, not by summing again. */
  readonly bodyLength: number;
}

/** A VectorLoader whose buffers are views of the parts each region starts at, when it lies in one, aligned. */
export class PartedVectorLoader extends VectorLoader {
  private readonly partAt = new Map<number, Uint8Array>();

  constructor(
    private readonly parted: PartedBody,
    nodes: FieldNode[],
    buffers: BufferRegion[],
    dictionaries: Map<number, Vector>,
    metadataVersion: MetadataVersion,
    variadicBufferCounts: number[],
  ) {
    super(new Uint8Array(0), nodes, buffers, dictionaries, metadataVersion, variadicBufferCounts);
    let at = 0;
    for (const part of parted.bodyParts) {
      if (part.byteLength > 0 && !this.partAt.has(at)) this.partAt.set(at, part);
      at += part.byteLength;
    }
  }

  protected override readData<T extends DataType>(_type: T, region: BufferRegion = this.nextBufferRange()): Uint8Array {
    const { offset, length } = region;
    if (offset < 0 || length < 0 || offset + length > this.parted.bodyLength) {
      throw new RangeError(`buffer [${offset}, +${length}) runs past the ${this.parted.bodyLength}-byte body`);
    }
    if (length === 0) return new Uint8Array(0);
    const part = this.partAt.get(offset);
    // A region is its part padded to 8 bytes (ipc-encode.ts partedMessage): the part alone
    // holds every value. Typed arrays need aligned offsets; any other region is copied out.
    if (part && part.byteOffset % 8 === 0) {
      if (part.byteLength >= length) return part.subarray(0, length);
      if (((part.byteLength + 7) & ~7) === length) return part;
    }
    return this.parted.body.slice(offset, offset + length);
  }
}
