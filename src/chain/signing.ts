// Creating and checking the signed objects of PROTOCOL.md §4. The signer's
// key is always taken from the key pair, never passed separately, so a local
// object cannot claim one key and be signed by another.
import { sign, verify, type KeyPair } from '../crypto';
import type { Ann, Block, Hb, Tx, TxInput, TxOutput, Vote } from './types';
import {
  LayoutError,
  annSignedBytes,
  blockHash,
  hbSignedBytes,
  txId,
  voteSignedBytes,
} from './layouts';

/**
 * Runs a check whose layout may refuse the object's fields. Such an object has
 * no defined signed bytes, so no signature can hold for it: that is a `false`,
 * not a crash in the message loop. Anything else is a bug and propagates.
 */
function checked(check: () => boolean): boolean {
  try {
    return check();
  } catch (err) {
    if (err instanceof LayoutError) return false;
    throw err;
  }
}

export function signTx(keys: KeyPair, fields: { inputs: TxInput[]; outputs: TxOutput[]; time: number }): Tx {
  const unsigned = { from: keys.publicKey, inputs: fields.inputs, outputs: fields.outputs, time: fields.time };
  return { ...unsigned, sig: sign(keys, txId(unsigned)) };
}

/** The tx's `sig` is `from`'s signature over its txid. */
export function verifyTx(tx: Tx): boolean {
  return checked(() => verify(tx.from, txId(tx), tx.sig));
}

export function signVote(keys: KeyPair, txid: Buffer, accept: boolean): Vote {
  return { txid, voter: keys.publicKey, accept, sig: sign(keys, voteSignedBytes(txid, accept)) };
}

/** The vote's `sig` is `voter`'s signature over its signed bytes. Membership of the voter in M is the caller's rule. */
export function verifyVote(vote: Vote): boolean {
  return checked(() => verify(vote.voter, voteSignedBytes(vote.txid, vote.accept), vote.sig));
}

export function signBlock(keys: KeyPair, fields: { height: number; prev: Buffer; time: number; txids: Buffer[] }): Block {
  const unsigned = { height: fields.height, prev: fields.prev, time: fields.time, txids: fields.txids, producer: keys.publicKey };
  return { ...unsigned, sig: sign(keys, blockHash(unsigned)) };
}

/** Only the signature: whether `producer` was due at this height is a chain rule (§5), checked with the parent. */
export function verifyBlockSig(block: Block): boolean {
  return checked(() => verify(block.producer, blockHash(block), block.sig));
}

export function signAnn(keys: KeyPair, fields: { ip: string; port: number; time: number }): Ann {
  const unsigned = { node: keys.publicKey, ip: fields.ip, port: fields.port, time: fields.time };
  return { ...unsigned, sig: sign(keys, annSignedBytes(unsigned)) };
}

export function verifyAnn(ann: Ann): boolean {
  return checked(() => verify(ann.node, annSignedBytes(ann), ann.sig));
}

export function signHb(keys: KeyPair, fields: { seq: number; time: number; height: number }): Hb {
  const unsigned = { node: keys.publicKey, seq: fields.seq, time: fields.time, height: fields.height };
  return { ...unsigned, sig: sign(keys, hbSignedBytes(unsigned)) };
}

export function verifyHb(hb: Hb): boolean {
  return checked(() => verify(hb.node, hbSignedBytes(hb), hb.sig));
}
