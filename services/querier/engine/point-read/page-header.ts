/**
 * A Parquet page header (parquet-format's `PageHeader`, Thrift compact protocol): only the
 * fields a point read needs; every other field is skipped by its wire type.
 */

import { ByteCursor } from "./byte-cursor.ts";

export const PageType = { DATA_PAGE: 0, INDEX_PAGE: 1, DICTIONARY_PAGE: 2, DATA_PAGE_V2: 3 } as const;

export interface PageHeader {
  type: number;
  uncompressedSize: number;
  compressedSize: number;
  /** Values in the page (a flat column: its rows, nulls included); for a dictionary page, its entries. */
  numValues: number;
  encoding: number;
  /** DATA_PAGE_V2 only: level bytes stored before the values, uncompressed. */
  v2?: { definitionBytes: number; repetitionBytes: number; compressed: boolean };
  /** Bytes the header itself took. */
  headerSize: number;
}

// Thrift compact protocol wire types.
const BOOL_TRUE = 1;
const BOOL_FALSE = 2;
const BYTE = 3;
const I16 = 4;
const I32 = 5;
const I64 = 6;
const DOUBLE = 7;
const BINARY = 8;
const LIST = 9;
const SET = 10;
const MAP = 11;
const STRUCT = 12;

/** Reads the page header starting at `at`. */
export function readPageHeader(bytes: Uint8Array, at: number): PageHeader {
  const c = new ByteCursor(bytes, at, "page header");
  const header: PageHeader = { type: -1, uncompressedSize: 0, compressedSize: 0, numValues: 0, encoding: -1, headerSize: 0 };
  readStruct(c, (id, type) => {
    if (id === 1 && type === I32) header.type = c.int();
    else if (id === 2 && type === I32) header.uncompressedSize = c.int();
    else if (id === 3 && type === I32) header.compressedSize = c.int();
    else if ((id === 5 || id === 7) && type === STRUCT) {
      // DataPageHeader and DictionaryPageHeader both start with num_values, encoding.
      readStruct(c, (fid, ftype) => {
        if (fid === 1 && ftype === I32) header.numValues = c.int();
        else if (fid === 2 && ftype === I32) header.encoding = c.int();
        else return false;
        return true;
      });
    } else if (id === 8 && type === STRUCT) {
      const v2 = { definitionBytes: 0, repetitionBytes: 0, compressed: true };
      readStruct(c, (fid, ftype) => {
        if (fid === 1 && ftype === I32) header.numValues = c.int();
        else if (fid === 4 && ftype === I32) header.encoding = c.int();
        else if (fid === 5 && ftype === I32) v2.definitionBytes = c.int();
        else if (fid === 6 && ftype === I32) v2.repetitionBytes = c.int();
        else if (fid === 7 && (ftype === BOOL_TRUE || ftype === BOOL_FALSE)) v2.compressed = ftype === BOOL_TRUE;
        else return false;
        return true;
      });
      header.v2 = v2;
    } else return false;
    return true;
  });
  header.headerSize = c.at - at;
  return header;
}

/** Calls `field` for each field; a field it does not take (returns false) is skipped. */
function readStruct(c: ByteCursor, field: (id: number, type: number) => boolean): void {
  let last = 0;
  for (;;) {
    const head = c.byte();
    const type = head & 0x0f;
    if (type === 0) return;
    const delta = head >> 4;
    const id = delta === 0 ? c.int() : last + delta;
    last = id;
    if (!field(id, type)) skip(c, type);
  }
}

function skip(c: ByteCursor, type: number): void {
  switch (type) {
    case BOOL_TRUE:
    case BOOL_FALSE:
      return;
    case BYTE:
      c.byte();
      return;
    case I16:
    case I32:
    case I64:
      c.varint();
      return;
    case DOUBLE:
      c.at += 8;
      return;
    case BINARY:
      c.at += c.varint();
      return;
    case LIST:
    case SET: {
      const head = c.byte();
      const size = head >> 4 === 15 ? c.varint() : head >> 4;
      const element = head & 0x0f;
      // Booleans in a list take a byte each.
      for (let i = 0; i < size; i++) (element === BOOL_TRUE || element === BOOL_FALSE ? c.byte() : skip(c, element));
      return;
    }
    case MAP: {
      const size = c.varint();
      if (size === 0) return;
      const kinds = c.byte();
      for (let i = 0; i < size; i++) {
        skip(c, kinds >> 4);
        skip(c, kinds & 0x0f);
      }
      return;
    }
    case STRUCT:
      readStruct(c, () => false);
      return;
    default:
      throw new RangeError(`unknown Thrift compact type ${type} in page header`);
  }
}
