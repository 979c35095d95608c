// The Ed25519 checks a chain message implies (PROTOCOL.md §4): what the
// handlers will verify, listed ahead of them so the connection can have a
// batch of messages verified on the worker threads (src/crypto/verify-pool.ts)
// before it hands them to the chain one by one. The chain still calls verify
// itself, in its own order and only where its rules reach the signature; this
// list only lets that call find its verdict ready. A check the chain asks and
// is not listed is verified inline, so leaving one out is always safe; one
// listed and never asked is work for nothing, so the cheap rules the chain
// applies before any verify are applied here too (ChainView): a peer must not
// get from the pool the signature work the chain itself would refuse to do.
import type { SignedMessage } from '../crypto';
import type { Message } from '../wire/messages';
import { annSignedBytes, blockHash, hbSignedBytes, LayoutError, txId, voteSignedBytes } from './layouts';
import type { Ann, Block, Hb, Tx, Vote } from './types';

/** What the cheap rules before a verify need of the chain; checked when the batch is taken, so only a hint. */
export interface ChainView {
  /** In M: only members' votes, blocks, anns and hbs ever reach a verify. */
  isMasternode(key: Buffer): boolean;
  /** Pooled or final: a copy of a known tx is not verified again. */
  knowsTx(txid: Buffer): boolean;
  /** A proof for this txid was accepted: later votes and proofs for it are not verified. */
  isFinal(txid: Buffer): boolean;
  /** The tip's height: a synced block at or below it is overlap, skipped unverified. */
  height(): number;
}

/** The signature checks of `msg` that the chain will make, in the order its handler meets them. */
export function signatureChecks(msg: Message, chain: ChainView): SignedMessage[] {
  switch (msg.type) {
    case 'tx': {
      const check = txCheck(msg.tx);
      return check === undefined || chain.knowsTx(check.message as Buffer) ? [] : [check];
    }
    case 'vote':
      return chain.isMasternode(msg.vote.voter) && !chain.isFinal(msg.vote.txid) ? present(voteCheck(msg.vote)) : [];
    case 'finalized':
      return finalizedChecks(msg.txid, msg.votes, chain);
    case 'block':
      return chain.isMasternode(msg.block.producer) ? present(blockCheck(msg.block)) : [];
    case 'blocks': {
      const tip = chain.height();
      return msg.blocks.flatMap((b) => (b.height > tip && chain.isMasternode(b.producer) ? present(blockCheck(b)) : []));
    }
    case 'masternode':
      return chain.isMasternode(msg.ann.node) ? present(annCheck(msg.ann)) : [];
    case 'heartbeat':
      return chain.isMasternode(msg.hb.node) ? present(hbCheck(msg.hb)) : [];
    default:
      return [];
  }
}

/**
 * A proof is refused before any verify when one vote is not a member's
 * accept for this txid (TxPool.addFinalized): then nothing is listed. The
 * same signature twice is checked once, as the pool does.
 */
function finalizedChecks(txid: Buffer, votes: Vote[], chain: ChainView): SignedMessage[] {
  if (chain.isFinal(txid)) return [];
  for (const v of votes) if (!chain.isMasternode(v.voter) || !v.txid.equals(txid) || v.accept !== true) return [];
  const seen = new Set<string>();
  const checks: SignedMessage[] = [];
  for (const v of votes) {
    const sig = v.sig.toString('latin1');
    if (seen.has(sig)) continue;
    seen.add(sig);
    const check = voteCheck(v);
    if (check) checks.push(check);
  }
  return checks;
}

export function txCheck(tx: Tx): SignedMessage | undefined {
  return laidOut(() => ({ publicKey: tx.from, message: txId(tx), signature: tx.sig }));
}

export function voteCheck(vote: Vote): SignedMessage | undefined {
  return laidOut(() => ({ publicKey: vote.voter, message: voteSignedBytes(vote.txid, vote.accept), signature: vote.sig }));
}

export function blockCheck(block: Block): SignedMessage | undefined {
  return laidOut(() => ({ publicKey: block.producer, message: blockHash(block), signature: block.sig }));
}

export function annCheck(ann: Ann): SignedMessage | undefined {
  return laidOut(() => ({ publicKey: ann.node, message: annSignedBytes(ann), signature: ann.sig }));
}

export function hbCheck(hb: Hb): SignedMessage | undefined {
  return laidOut(() => ({ publicKey: hb.node, message: hbSignedBytes(hb), signature: hb.sig }));
}

/** An object whose fields its layout refuses has no signed bytes: the chain refuses it without a verify, so there is nothing to list. */
function laidOut(make: () => SignedMessage): SignedMessage | undefined {
  try {
    return make();
  } catch (err) {
    if (err instanceof LayoutError) return undefined;
    throw err;
  }
}

function present(check: SignedMessage | undefined): SignedMessage[] {
  return check === undefined ? [] : [check];
}
