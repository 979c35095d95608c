// The `auth` step of the handshake (PROTOCOL.md §2, §3, §8): each side signs
// the other's fresh challenge together with its own key, proving it holds the
// key it named in `hello`. Including the signer's key keeps a signature made
// for one connection from being replayed under another key; on an encrypted
// link both kx values follow, so a relay that swaps or strips them cannot
// produce an auth that verifies.
import { sign, verify, type KeyPair } from '../crypto';

const TAG_AUTH = Buffer.from('TNP1-auth', 'utf8');
const CHALLENGE_BYTES = 32;
const KEY_BYTES = 32;

/** The kx values of an encrypted link, from the signer's side: its own first. */
export interface KxBinding {
  signer: Uint8Array;
  other: Uint8Array;
}

function checkLength(what: string, bytes: Uint8Array, size: number): void {
  if (bytes.length !== size) throw new RangeError(`auth ${what} must be ${size} bytes, got ${bytes.length}`);
}

/** `"TNP1-auth" || peer's challenge || own node key`, then `|| own kx || peer's kx` on an encrypted link. */
export function authSignedBytes(peerChallenge: Uint8Array, ownNodeKey: Uint8Array, kx?: KxBinding): Buffer {
  checkLength('challenge', peerChallenge, CHALLENGE_BYTES);
  checkLength('node key', ownNodeKey, KEY_BYTES);
  if (kx) {
    checkLength('own kx', kx.signer, KEY_BYTES);
    checkLength('peer kx', kx.other, KEY_BYTES);
  }
  const out = Buffer.allocUnsafe(TAG_AUTH.length + CHALLENGE_BYTES + KEY_BYTES + (kx ? 2 * KEY_BYTES : 0));
  let at = 0;
  for (const part of kx ? [TAG_AUTH, peerChallenge, ownNodeKey, kx.signer, kx.other] : [TAG_AUTH, peerChallenge, ownNodeKey]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Our `auth.sig`, answering the challenge the peer sent in its `hello`; kx = { signer: ours, other: the peer's }. */
export function signAuth(keys: KeyPair, peerChallenge: Uint8Array, kx?: KxBinding): Buffer {
  return sign(keys, authSignedBytes(peerChallenge, keys.publicKey, kx));
}

/**
 * Whether the peer's `auth.sig` answers the challenge we sent, under the key
 * it named in its `hello`; kx = { signer: the peer's, other: ours }.
 */
export function verifyAuth(peerNodeKey: Uint8Array, ourChallenge: Uint8Array, sig: Uint8Array, kx?: KxBinding): boolean {
  // The sizes come from a peer; a wrong one is a failed proof, not an exception in the handshake.
  if (peerNodeKey.length !== KEY_BYTES || ourChallenge.length !== CHALLENGE_BYTES) return false;
  if (kx && (kx.signer.length !== KEY_BYTES || kx.other.length !== KEY_BYTES)) return false;
  return verify(peerNodeKey, authSignedBytes(ourChallenge, peerNodeKey, kx), sig);
}
