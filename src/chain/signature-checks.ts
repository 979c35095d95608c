// The Ed25519 checks a chain message implies (PROTOCOL.md §4), as a pure
// function of the message: what the handlers will verify, listed ahead of
// them so the connection can have a batch of messages verified on the worker
// threads (src/crypto/verify-pool.ts) before it hands them to the chain one
// by one. The chain still calls verify itself, in its own order and only
// where its rules reach the signature; this list only lets that call find its
// verdict ready. A check listed here and never asked costs a worker some time
// and changes nothing; one the chain asks and is not listed is verified inline.
import type { SignedMessage } from '../crypto';
import type { Message } from '../wire/messages';
import { annSignedBytes, blockHash, hbSignedBytes, LayoutError, txId, voteSignedBytes } from './layouts';
import type { Ann, Block, Hb, Tx, Vote } from './types';

/** The signature checks of `msg`, in the order its handler meets them; none for a type that carries no chain signature. */
export function signatureChecks(msg: Message): SignedMessage[] {
  switch (msg.type) {
    case 'tx':
      return present(txCheck(msg.tx));
    case 'vote':
      return present(voteCheck(msg.vote));
    case 'finalized':
      return msg.votes.flatMap((v) => present(voteCheck(v)));
    case 'block':
      return present(blockCheck(msg.block));
    case 'blocks':
      return msg.blocks.flatMap((b) => present(blockCheck(b)));
    case 'masternode':
      return present(annCheck(msg.ann));
    case 'heartbeat':
      return present(hbCheck(msg.hb));
    default:
      return [];
  }
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
