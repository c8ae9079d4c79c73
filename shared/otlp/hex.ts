/**
 * Id and bytes encodings of OTLP/JSON: trace and span ids are lower-case hex (not the
 * base64 of the generic protobuf JSON mapping); other bytes (bytesValue) are base64.
 */
import { OtlpDecodeError } from "./errors.ts";

const HEX_BYTE: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function bytesToHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX_BYTE[bytes[i]];
  return s;
}

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[65 + i] = 10 + i;
  HEX_VALUE[97 + i] = 10 + i;
}

/** Hex (either case) → bytes. Malformed hex makes the whole body undecodable. */
export function hexToBytes(hex: string, what: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new OtlpDecodeError(`${what}: hex id has an odd number of digits`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const a = hex.charCodeAt(2 * i);
    const b = hex.charCodeAt(2 * i + 1);
    const hi = a < 128 ? HEX_VALUE[a] : -1;
    const lo = b < 128 ? HEX_VALUE[b] : -1;
    if (hi < 0 || lo < 0) throw new OtlpDecodeError(`${what}: "${hex}" is not a hex id`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Standard or URL-safe base64, padding optional (the protobuf JSON mapping accepts both). */
export function base64ToBytes(text: string, what: string): Uint8Array {
  if (!BASE64.test(text)) throw new OtlpDecodeError(`${what}: not valid base64`);
  return new Uint8Array(Buffer.from(text, "base64"));
}
