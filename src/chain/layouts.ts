// The fixed byte layouts of PROTOCOL.md §4. Hashes and signatures are taken
// over these bytes, never over CBOR, so that every implementation signs the
// same thing whatever its encoder does. Each layout computes its size first
// and fills one buffer: these run for every object a node relays.
import { hash } from '../crypto';
import { ownCopy } from './own-copy';
import type { Ann, Block, Hb, Tx, Vote } from './types';
import { writeSafeU64 } from '../wire/u64';

const TAG_TX = Buffer.from('TNP1-tx', 'utf8');
const TAG_VOTE = Buffer.from('TNP1-vote', 'utf8');
const TAG_BLOCK = Buffer.from('TNP1-block', 'utf8');
const TAG_ANN = Buffer.from('TNP1-mn', 'utf8');
const TAG_HB = Buffer.from('TNP1-hb', 'utf8');

const KEY_BYTES = 32;
const HASH_BYTES = 32;
const U64_BYTES = 8;
const U16_BYTES = 2;
const U64_MAX = (1n << 64n) - 1n;
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);
const STR_MAX_BYTES = 0xffff;

/**
 * A field that cannot be laid out: a byte field of the wrong size, a negative
 * or fractional integer, a text too long for its u16 length. Such an object
 * has no defined hash, so it cannot be signed or verified.
 */
export class LayoutError extends RangeError {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'LayoutError';
  }
}

/** Writes fields in order into a buffer allocated once at its final size. */
class Writer {
  readonly buf: Buffer;
  private off = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  raw(b: Uint8Array): this {
    this.buf.set(b, this.off);
    this.off += b.length;
    return this;
  }

  /** A fixed-size byte field (`field`, or `field[index].sub` in a list); a wrong size would shift every later field. */
  fixed(b: Uint8Array, size: number, field: string, index?: number, sub?: string): this {
    if (b.length !== size) throw new LayoutError(fieldName(field, index, sub), `must be ${size} bytes, got ${b.length}`);
    return this.raw(b);
  }

  u8(n: number): this {
    this.buf[this.off++] = n;
    return this;
  }

  u64(n: number | bigint, field: string, index?: number, sub?: string): this {
    if (typeof n === 'number') {
      // Numbers beyond 2^53−1 have already lost their low bits; refuse rather than sign a rounded value.
      if (!Number.isSafeInteger(n) || n < 0) throw new LayoutError(fieldName(field, index, sub), `must be an integer in 0..2^53−1, got ${n}`);
      writeSafeU64(this.buf, n, this.off);
    } else {
      if (n < 0n || n > U64_MAX) throw new LayoutError(fieldName(field, index, sub), `must be in 0..2^64−1, got ${n}`);
      // Amounts are bigints, nearly always small: writeBigUInt64BE allocates a few bigints per call, on every tx.
      if (n <= MAX_SAFE_BIG) writeSafeU64(this.buf, Number(n), this.off);
      else this.buf.writeBigUInt64BE(n, this.off);
    }
    this.off += U64_BYTES;
    return this;
  }

  /** str(x) of §4, with its UTF-8 length measured by the caller (it sized the buffer with it). */
  str(s: string, byteLength: number): this {
    this.buf.writeUInt16BE(byteLength, this.off);
    this.off += U16_BYTES;
    this.off += this.buf.write(s, this.off, byteLength, 'utf8');
    return this;
  }

  done(): Buffer {
    // A mismatch here is a size formula out of step with its layout: a bug in this file, not bad input.
    if (this.off !== this.buf.length) throw new Error(`layout wrote ${this.off} bytes into ${this.buf.length}`);
    return this.buf;
  }
}

/** A field's name for an error, built only when there is one: a tx's layout runs for every tx relayed. */
function fieldName(field: string, index: number | undefined, sub: string | undefined): string {
  return index === undefined ? field : `${field}[${index}].${sub}`;
}

function strByteLength(s: string, field: string): number {
  const n = Buffer.byteLength(s, 'utf8');
  if (n > STR_MAX_BYTES) throw new LayoutError(field, `is ${n} UTF-8 bytes; str() holds at most ${STR_MAX_BYTES}`);
  return n;
}

/** `u16be byteLength(utf8(x)) || utf8(x)` (§4). */
export function str(x: string): Buffer {
  const n = strByteLength(x, 'str');
  return new Writer(U16_BYTES + n).str(x, n).done();
}

/** The bytes hashed into a txid: `"TNP1-tx" || from || u64 n_in || (txid || u64 index)* || u64 n_out || (to || u64 amount)* || u64 time`. */
export function txSignedBytes(tx: Omit<Tx, 'sig'>): Buffer {
  const size =
    TAG_TX.length + KEY_BYTES +
    U64_BYTES + tx.inputs.length * (HASH_BYTES + U64_BYTES) +
    U64_BYTES + tx.outputs.length * (KEY_BYTES + U64_BYTES) +
    U64_BYTES;
  const w = new Writer(size).raw(TAG_TX).fixed(tx.from, KEY_BYTES, 'tx.from');
  w.u64(tx.inputs.length, 'tx.inputs.length');
  tx.inputs.forEach((input, i) => {
    w.fixed(input.txid, HASH_BYTES, 'tx.inputs', i, 'txid').u64(input.index, 'tx.inputs', i, 'index');
  });
  w.u64(tx.outputs.length, 'tx.outputs.length');
  tx.outputs.forEach((output, i) => {
    w.fixed(output.to, KEY_BYTES, 'tx.outputs', i, 'to').u64(output.amount, 'tx.outputs', i, 'amount');
  });
  return w.u64(tx.time, 'tx.time').done();
}

/**
 * Txids already computed, by tx object: a relayed tx needs its id for the
 * verify pipeline's check, the pool's key and the signature check, and each
 * took an encoding and a hash (some 4 µs a tx on the main thread). Objects
 * decoded from the wire are never changed in place (the pool keeps copies),
 * which is what makes an id computed once the id of the object for good.
 */
const txIds = new WeakMap<object, Buffer>();

/** A tx's identity, and what its `from` key signs. */
export function txId(tx: Omit<Tx, 'sig'>): Buffer {
  const known = txIds.get(tx);
  if (known !== undefined) return known;
  const id = hash(txSignedBytes(tx));
  txIds.set(tx, id);
  return id;
}

/** What a voter signs: `"TNP1-vote" || txid || (0x01 if accept else 0x00)`. */
export function voteSignedBytes(txid: Uint8Array, accept: boolean): Buffer {
  return new Writer(TAG_VOTE.length + HASH_BYTES + 1)
    .raw(TAG_VOTE)
    .fixed(txid, HASH_BYTES, 'vote.txid')
    .u8(accept ? 1 : 0)
    .done();
}

/**
 * A vote's relay identity, `H(signed bytes || voter)` (§5 Relay). The voter
 * is part of it because two voters sign identical bytes.
 */
export function voteId(vote: Pick<Vote, 'txid' | 'accept' | 'voter'>): Buffer {
  if (vote.voter.length !== KEY_BYTES) throw new LayoutError('vote.voter', `must be ${KEY_BYTES} bytes, got ${vote.voter.length}`);
  return hash(voteSignedBytes(vote.txid, vote.accept), vote.voter);
}

/** `H(concat(txids))`, hashed in one streaming pass instead of concatenating up to 10,000 ids. */
export function txidsHash(txids: readonly Uint8Array[]): Buffer {
  txids.forEach((t, i) => {
    if (t.length !== HASH_BYTES) throw new LayoutError(`block.txids[${i}]`, `must be ${HASH_BYTES} bytes, got ${t.length}`);
  });
  return hash(...txids);
}

/** The bytes hashed into a block hash: `"TNP1-block" || u64 height || prev || u64 time || H(concat(txids)) || producer`. */
export function blockHashedBytes(block: Omit<Block, 'sig'>): Buffer {
  return new Writer(TAG_BLOCK.length + U64_BYTES + HASH_BYTES + U64_BYTES + HASH_BYTES + KEY_BYTES)
    .raw(TAG_BLOCK)
    .u64(block.height, 'block.height')
    .fixed(block.prev, HASH_BYTES, 'block.prev')
    .u64(block.time, 'block.time')
    .raw(txidsHash(block.txids))
    .fixed(block.producer, KEY_BYTES, 'block.producer')
    .done();
}

/**
 * Block hashes already computed, by block object, for the reason txIds
 * gives: a synced block's hash was computed three times (the verify
 * pipeline's check, the block rules' signature check, the intake's link to
 * its parent), ~7 µs of a sync's ~100 µs a block. Kept in a buffer of its
 * own: a block the store caches lives long, and a slice of the shared pool
 * would pin its 8 KiB slab (own-copy.ts).
 */
const blockHashes = new WeakMap<object, Buffer>();

/** A block's identity, and what its producer signs. */
export function blockHash(block: Omit<Block, 'sig'>): Buffer {
  const known = blockHashes.get(block);
  if (known !== undefined) return known;
  const id = ownCopy(hash(blockHashedBytes(block)));
  blockHashes.set(block, id);
  return id;
}

/** What a masternode signs in its announcement: `"TNP1-mn" || node || str(ip) || u64 port || u64 time`. */
export function annSignedBytes(ann: Omit<Ann, 'sig'>): Buffer {
  const ipBytes = strByteLength(ann.ip, 'ann.ip');
  return new Writer(TAG_ANN.length + KEY_BYTES + U16_BYTES + ipBytes + U64_BYTES + U64_BYTES)
    .raw(TAG_ANN)
    .fixed(ann.node, KEY_BYTES, 'ann.node')
    .str(ann.ip, ipBytes)
    .u64(ann.port, 'ann.port')
    .u64(ann.time, 'ann.time')
    .done();
}

/** What a masternode signs in a heartbeat: `"TNP1-hb" || node || u64 seq || u64 time || u64 height`. */
export function hbSignedBytes(hb: Omit<Hb, 'sig'>): Buffer {
  return new Writer(TAG_HB.length + KEY_BYTES + 3 * U64_BYTES)
    .raw(TAG_HB)
    .fixed(hb.node, KEY_BYTES, 'hb.node')
    .u64(hb.seq, 'hb.seq')
    .u64(hb.time, 'hb.time')
    .u64(hb.height, 'hb.height')
    .done();
}
