// Copies of small Buffers that the node keeps for long (final txids, cached
// blocks, pooled txs and their votes). Buffer.allocUnsafe and Buffer.from cut buffers under 4 KiB from a
// shared 8 KiB slab, and one kept slice keeps the whole slab alive: the soak
// run (bench/soak.ts) saw ~8 KiB of external memory per finalized tx, until
// the finality memory's bound, 250 times its budgeted size. A copy in its own
// ArrayBuffer costs its bytes and a small header, nothing more.
import { payloadOf, writeTx } from '../wire/tx-codec';
import type { Tx, Vote } from './types';

/** `bytes` in a Buffer of its own (not a slice of the shared pool). */
export function ownCopy(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafeSlow(bytes.length);
  out.set(bytes);
  return out;
}

/** Copies the byte fields of `parts` into one ArrayBuffer of their total size, in order. */
function packed(parts: Uint8Array[]): Buffer[] {
  let total = 0;
  for (const p of parts) total += p.length;
  const arena = Buffer.allocUnsafeSlow(total);
  const out = new Array<Buffer>(parts.length);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    arena.set(p, at);
    out[i] = arena.subarray(at, at + p.length);
    at += p.length;
  }
  return out;
}

/**
 * A tx's message payload in a buffer of its own: what the pool keeps until
 * the tx is final or evicted (tx-pool.ts says why the payload and not the
 * decoded tx). A tx read from the wire already has one: the copy readTx made.
 */
export function ownTxPayload(tx: Tx): Buffer {
  const read = payloadOf(tx);
  if (read !== undefined) return read;
  const written = writeTx(tx);
  // The pool's sanity rules (tx-sanity.ts) admit only what the layout holds.
  if (written === undefined) throw new RangeError('a tx outside the tx layout has no payload to keep');
  return ownCopy(written);
}

/** A vote in one buffer of its own: votes wait in the pool for their quorum. */
export function ownVote(vote: Vote): Vote {
  const [txid, voter, sig] = packed([vote.txid, vote.voter, vote.sig]) as [Buffer, Buffer, Buffer];
  return { txid, voter, accept: vote.accept, sig };
}
