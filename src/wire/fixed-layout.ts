// Reading and writing a payload laid out exactly as our encoder lays it out,
// by position: the fast paths of the codec (liveness-codec.ts, tx-codec.ts)
// compare the fixed bytes of a layout and read its integers in one pass, and
// give up (undefined, -1) at the first byte that differs, leaving the payload
// to the general decoder, which judges it; they write the same layout with
// the same shortest-form heads as the general encoder.
import { readSafeU64, writeSafeU64 } from './u64';

/** Whether b[at ..] starts with `expected`. A loop: for keys this short Buffer#compare's call costs more than the comparison. */
export function sameBytes(b: Buffer, at: number, expected: Buffer): boolean {
  if (at + expected.length > b.length) return false;
  for (let i = 0; i < expected.length; i++) if (b[at + i] !== expected[i]) return false;
  return true;
}

/** Bytes of the CBOR head at b[at] whose major type readUint accepted. */
export function uintLength(first: number): number {
  const info = first & 0x1f;
  return info < 24 ? 1 : 1 + (1 << (info - 24));
}

/**
 * A CBOR unsigned integer in its shortest form, within JS's safe integers;
 * -1 otherwise (a number, not an object: this runs for every ping).
 */
export function readUint(b: Buffer, at: number): number {
  if (at >= b.length) return -1;
  const first = b[at] as number;
  if (first >> 5 !== 0) return -1;
  const info = first & 0x1f;
  if (info < 24) return info;
  if (info > 27 || at + uintLength(first) > b.length) return -1;
  let value: number;
  if (info === 24) value = b[at + 1] as number;
  else if (info === 25) value = b.readUInt16BE(at + 1);
  else if (info === 26) value = b.readUInt32BE(at + 1);
  else value = readSafeU64(b, at + 1) ?? -1;
  if (value < 0) return -1;
  // Not the shortest form: the general decoder decides what that means.
  const size = 1 << (info - 24);
  if (value < (size === 1 ? 24 : 2 ** (4 * size))) return -1;
  return value;
}

/** Bytes after the first of a shortest-form CBOR head for the non-negative safe integer `v`. */
export function uintSize(v: number): number {
  return v < 24 ? 0 : v < 0x100 ? 1 : v < 0x10000 ? 2 : v < 0x100000000 ? 4 : 8;
}

/** Writes `v` (a non-negative safe integer) as a shortest-form CBOR unsigned integer at b[at]; returns the end. */
export function writeUint(b: Buffer, at: number, v: number): number {
  const size = uintSize(v);
  if (size === 0) {
    b[at] = v;
    return at + 1;
  }
  b[at] = size === 1 ? 24 : size === 2 ? 25 : size === 4 ? 26 : 27;
  if (size === 1) b[at + 1] = v;
  else if (size === 2) b.writeUInt16BE(v, at + 1);
  else if (size === 4) b.writeUInt32BE(v, at + 1);
  else writeSafeU64(b, v, at + 1);
  return at + 1 + size;
}

/** Copies `bytes` to b[at..]; returns the end. A loop: Buffer#copy costs more for a few bytes. */
export function putBytes(b: Buffer, at: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) b[at + i] = bytes[i] as number;
  return at + bytes.length;
}
