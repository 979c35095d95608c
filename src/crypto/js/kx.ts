// libsodium's crypto_kx through node:crypto (OpenSSL): X25519 by
// diffieHellman, BLAKE2b-512 by createHash('blake2b512'), which is exactly
// libsodium's 64-byte generichash. No addon needed.
import { createHash, createPrivateKey, createPublicKey, diffieHellman, KeyObject, randomFillSync } from 'node:crypto';
import { blake2b } from './hash';
import { HASH_BYTES, KX_PUBLIC_KEY_BYTES, KX_SECRET_KEY_BYTES, KX_SEED_BYTES, KxError, KxKeyPair, KxRole, SESSION_KEY_BYTES, SessionKeys } from '../backend';

export const impl = 'node:crypto';

/** PKCS#8 PrivateKeyInfo for X25519 (RFC 8410) up to the 32-byte secret. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** The private KeyObject of each pair, so a session's exchange imports nothing twice. */
const privateKeys = new WeakMap<KxKeyPair, KeyObject>();

function privateKeyObject(secretKey: Buffer): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, secretKey]), format: 'der', type: 'pkcs8' });
}

function fromSecret(secretKey: Buffer): KxKeyPair {
  const privateKey = privateKeyObject(secretKey);
  const publicKey = Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x!, 'base64url');
  const pair = { publicKey, secretKey };
  privateKeys.set(pair, privateKey);
  return pair;
}

export function keyPairFromSeed(seed: Uint8Array): KxKeyPair {
  if (seed.length !== KX_SEED_BYTES) throw new RangeError(`kx seed must be ${KX_SEED_BYTES} bytes, got ${seed.length}`);
  // crypto_kx_seed_keypair: secret = BLAKE2b-256(seed), a length node:crypto's blake2b512 cannot give.
  return fromSecret(blake2b([seed], HASH_BYTES));
}

export function keyPair(): KxKeyPair {
  return fromSecret(randomFillSync(Buffer.allocUnsafe(KX_SECRET_KEY_BYTES)));
}

export function sessionKeys(role: KxRole, own: KxKeyPair, peerPublicKey: Uint8Array): SessionKeys {
  if (peerPublicKey.length !== KX_PUBLIC_KEY_BYTES) throw new KxError(`peer kx must be ${KX_PUBLIC_KEY_BYTES} bytes, got ${peerPublicKey.length}`);
  const privateKey = privateKeys.get(own) ?? privateKeyObject(own.secretKey);
  const peer = Buffer.from(peerPublicKey.buffer, peerPublicKey.byteOffset, peerPublicKey.byteLength);
  let shared: Buffer;
  try {
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: peer.toString('base64url') }, format: 'jwk' });
    shared = diffieHellman({ privateKey, publicKey });
  } catch {
    throw new KxError('peer kx is a low-order point (X25519 gives all zeros)');
  }
  // OpenSSL refuses an all-zero output itself; checking again costs nothing and does not depend on its version.
  if (shared.every((byte) => byte === 0)) throw new KxError('peer kx is a low-order point (X25519 gives all zeros)');
  const [client, server] = role === 'client' ? [own.publicKey, peer] : [peer, own.publicKey];
  const k = createHash('blake2b512').update(shared).update(client).update(server).digest();
  // The client receives with the first half and sends with the second; the server the opposite.
  const first = k.subarray(0, SESSION_KEY_BYTES);
  const second = k.subarray(SESSION_KEY_BYTES);
  return role === 'client' ? { receive: first, send: second } : { receive: second, send: first };
}
