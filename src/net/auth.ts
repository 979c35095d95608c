// The `auth` step of the handshake (PROTOCOL.md §2, §3): each side signs the
// other's fresh challenge together with its own key, proving it holds the key
// it named in `hello`. Including the signer's key keeps a signature made for
// one connection from being replayed under another key.
import { sign, verify, type KeyPair } from '../crypto';

const TAG_AUTH = Buffer.from('TNP1-auth', 'utf8');
const CHALLENGE_BYTES = 32;
const KEY_BYTES = 32;

/** `"TNP1-auth" || peer's challenge || own node key`. */
export function authSignedBytes(peerChallenge: Uint8Array, ownNodeKey: Uint8Array): Buffer {
  if (peerChallenge.length !== CHALLENGE_BYTES) throw new RangeError(`auth challenge must be ${CHALLENGE_BYTES} bytes, got ${peerChallenge.length}`);
  if (ownNodeKey.length !== KEY_BYTES) throw new RangeError(`auth node key must be ${KEY_BYTES} bytes, got ${ownNodeKey.length}`);
  const out = Buffer.allocUnsafe(TAG_AUTH.length + CHALLENGE_BYTES + KEY_BYTES);
  out.set(TAG_AUTH, 0);
  out.set(peerChallenge, TAG_AUTH.length);
  out.set(ownNodeKey, TAG_AUTH.length + CHALLENGE_BYTES);
  return out;
}

/** Our `auth.sig`, answering the challenge the peer sent in its `hello`. */
export function signAuth(keys: KeyPair, peerChallenge: Uint8Array): Buffer {
  return sign(keys, authSignedBytes(peerChallenge, keys.publicKey));
}

/** Whether the peer's `auth.sig` answers the challenge we sent, under the key it named in its `hello`. */
export function verifyAuth(peerNodeKey: Uint8Array, ourChallenge: Uint8Array, sig: Uint8Array): boolean {
  // The sizes come from a peer; a wrong one is a failed proof, not an exception in the handshake.
  if (peerNodeKey.length !== KEY_BYTES || ourChallenge.length !== CHALLENGE_BYTES) return false;
  return verify(peerNodeKey, authSignedBytes(ourChallenge, peerNodeKey), sig);
}
