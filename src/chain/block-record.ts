// The byte layout of one block in the block store (block-store.ts says why the
// store is a flat file). A record is
//
//   u32be length || u32be crc32(body) || body
//   body = u64be height || prev 32 || u64be time || u32be n || n × txid 32 || producer 32 || sig 64
//
// Every field has a fixed width, so a record's shape follows from its length
// alone: a length that does not equal BODY_FIXED_BYTES + 32·n is damage, found
// without trusting anything else in the record. This is a storage format, not
// the signed layout of PROTOCOL.md §4 (that one hashes H(txids), not the list).
import { crc32 } from 'node:zlib';
import { ownCopy } from './own-copy';
import type { Block } from './types';
import { readSafeU64, writeSafeU64 } from '../wire/u64';

const HASH = 32;
const SIG = 64;
/** PROTOCOL.md §4: a block lists at most 10000 txids. */
export const MAX_TXIDS = 10_000;
/** `length` and `crc32`. */
export const RECORD_HEADER_BYTES = 8;
/** Body bytes of a block with no txids: height, prev, time, n, producer, sig. */
export const BODY_FIXED_BYTES = 8 + HASH + 8 + 4 + HASH + SIG;
/** The largest body a valid block can have; any larger length is damage, refused before reading it. */
export const MAX_BODY_BYTES = BODY_FIXED_BYTES + MAX_TXIDS * HASH;
export const MAX_RECORD_BYTES = RECORD_HEADER_BYTES + MAX_BODY_BYTES;

/** Body bytes of `block` in this encoding; getRange budgets by it. */
export function bodySize(block: Block): number {
  return BODY_FIXED_BYTES + block.txids.length * HASH;
}

export function recordSize(block: Block): number {
  return RECORD_HEADER_BYTES + bodySize(block);
}

/** Why `block` cannot be encoded, or undefined when it can. Checked before any byte is written. */
export function blockProblem(block: Block): string | undefined {
  if (!Number.isSafeInteger(block.height) || block.height < 1) return `height ${block.height} is not a positive integer`;
  if (!Number.isSafeInteger(block.time) || block.time < 0) return `time ${block.time} is not a non-negative integer`;
  if (block.prev.length !== HASH) return `prev is ${block.prev.length} bytes, not ${HASH}`;
  if (block.producer.length !== HASH) return `producer is ${block.producer.length} bytes, not ${HASH}`;
  if (block.sig.length !== SIG) return `sig is ${block.sig.length} bytes, not ${SIG}`;
  if (block.txids.length > MAX_TXIDS) return `it lists ${block.txids.length} txids, over the limit of ${MAX_TXIDS}`;
  for (let i = 0; i < block.txids.length; i++) {
    const txid = block.txids[i]!;
    if (txid.length !== HASH) return `txids[${i}] is ${txid.length} bytes, not ${HASH}`;
  }
  return undefined;
}

/** Writes `block`'s record into `out` at `at` and returns the offset after it. `block` must pass blockProblem. */
export function writeRecord(block: Block, out: Buffer, at: number): number {
  const body = at + RECORD_HEADER_BYTES;
  let p = body;
  writeSafeU64(out, block.height, p);
  p += 8;
  out.set(block.prev, p);
  p += HASH;
  writeSafeU64(out, block.time, p);
  p += 8;
  out.writeUInt32BE(block.txids.length, p);
  p += 4;
  for (const txid of block.txids) {
    out.set(txid, p);
    p += HASH;
  }
  out.set(block.producer, p);
  p += HASH;
  out.set(block.sig, p);
  p += SIG;
  out.writeUInt32BE(p - body, at);
  out.writeUInt32BE(crc32(out.subarray(body, p)), at + 4);
  return p;
}

export type RecordCheck =
  /** A whole, intact record of `size` bytes (header included) for `height`. */
  | { readonly status: 'ok'; readonly size: number; readonly height: number }
  /** Fewer than `need` bytes were available: a torn tail, or the caller must read further. */
  | { readonly status: 'short'; readonly need: number }
  /** The bytes are not a record; `reason` says what was wrong, for the operator's log. */
  | { readonly status: 'bad'; readonly reason: string };

/**
 * Checks the record at `buf[at..end)` without decoding it: the length bound,
 * the shape the length implies, the CRC and a representable height.
 */
export function checkRecord(buf: Buffer, at: number, end: number): RecordCheck {
  if (end - at < RECORD_HEADER_BYTES) return { status: 'short', need: RECORD_HEADER_BYTES };
  const length = buf.readUInt32BE(at);
  if (length < BODY_FIXED_BYTES || length > MAX_BODY_BYTES) {
    return { status: 'bad', reason: `length ${length} is outside ${BODY_FIXED_BYTES}..${MAX_BODY_BYTES}` };
  }
  const size = RECORD_HEADER_BYTES + length;
  if (end - at < size) return { status: 'short', need: size };
  const body = buf.subarray(at + RECORD_HEADER_BYTES, at + size);
  if (crc32(body) !== buf.readUInt32BE(at + 4)) return { status: 'bad', reason: 'checksum mismatch' };
  // Only checked after the CRC: a record that passes it was written by us, so
  // these catch a bug in an older writer rather than disk damage.
  const n = body.readUInt32BE(8 + HASH + 8);
  if (length !== BODY_FIXED_BYTES + n * HASH) return { status: 'bad', reason: `length ${length} does not fit ${n} txids` };
  const height = readSafeU64(body, 0);
  if (height === undefined || readSafeU64(body, 8 + HASH) === undefined) {
    return { status: 'bad', reason: 'height or time is beyond 2^53' };
  }
  return { status: 'ok', size, height };
}

/**
 * Decodes the body of a record that passed checkRecord. The block owns a
 * private copy of the bytes, so it does not pin the (possibly multi-MiB)
 * buffer it was read into, nor a shared pool slab (own-copy.ts).
 */
export function decodeRecord(buf: Buffer, at: number, size: number): Block {
  const body = ownCopy(buf.subarray(at + RECORD_HEADER_BYTES, at + size));
  let p = 0;
  const height = readSafeU64(body, p)!;
  p += 8;
  const prev = body.subarray(p, p + HASH);
  p += HASH;
  const time = readSafeU64(body, p)!;
  p += 8;
  const n = body.readUInt32BE(p);
  p += 4;
  const txids: Buffer[] = new Array<Buffer>(n);
  for (let i = 0; i < n; i++, p += HASH) txids[i] = body.subarray(p, p + HASH);
  const producer = body.subarray(p, p + HASH);
  p += HASH;
  const sig = body.subarray(p, p + SIG);
  return { height, prev, time, txids, producer, sig };
}
