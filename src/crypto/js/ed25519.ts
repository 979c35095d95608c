// Ed25519 through node:crypto (OpenSSL): in every Node build and inside a
// single executable, no addon needed. libsodium's extra rules are checked
// first (./libsodium-rules.ts) so both backends accept exactly the same
// signatures.
//
// Keys go into OpenSSL as JWK (RFC 8037), which Node hands to
// EVP_PKEY_new_raw_*_key: 41k imports/s here against 3.3k/s for the same key
// as SPKI DER, which OpenSSL 3's decoder framework parses slowly. Only
// keyPairFromSeed needs DER (PKCS#8), since a private JWK must carry the
// public key it is about to derive; it runs once per identity.
import { createPrivateKey, createPublicKey, KeyObject, sign as osslSign, verify as osslVerify } from 'node:crypto';
import { checkSeed, hasEd25519Lengths, KeyPair, SignedMessage } from '../backend';
import { KeyCache } from './key-cache';
import { failsLibsodiumRules } from './libsodium-rules';

export const impl = 'node:crypto';

/** Public keys kept as KeyObjects: room for a large masternode set plus the peers' session keys. */
export const PUBLIC_KEY_CACHE_SIZE = 2048;

/** PKCS#8 PrivateKeyInfo for Ed25519 (RFC 8410) up to the 32-byte seed. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const publicKeys = new KeyCache<KeyObject>(PUBLIC_KEY_CACHE_SIZE);
/** The private KeyObject of each key pair that signed, for as long as the pair lives. */
const privateKeys = new WeakMap<KeyPair, KeyObject>();

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  const x = base64url(publicKey);
  return publicKeys.get(x, () => createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }));
}

function privateKeyObject(keys: KeyPair): KeyObject {
  let privateKey = privateKeys.get(keys);
  if (privateKey === undefined) {
    const jwk = { kty: 'OKP', crv: 'Ed25519', d: base64url(keys.seed), x: base64url(keys.publicKey) };
    privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
    privateKeys.set(keys, privateKey);
  }
  return privateKey;
}

export function keyPairFromSeed(seed: Uint8Array): KeyPair {
  checkSeed(seed);
  const ownSeed = Buffer.from(seed);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, ownSeed]), format: 'der', type: 'pkcs8' });
  const publicKey = Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x!, 'base64url');
  const keys = { publicKey, secretKey: Buffer.concat([ownSeed, publicKey]), seed: ownSeed };
  privateKeys.set(keys, privateKey);
  return keys;
}

export function sign(keys: KeyPair, message: Uint8Array): Buffer {
  return osslSign(null, message, privateKeyObject(keys));
}

export function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!hasEd25519Lengths(publicKey, signature) || failsLibsodiumRules(publicKey, signature)) return false;
  try {
    return osslVerify(null, message, publicKeyObject(publicKey), signature);
  } catch {
    return false; // a key OpenSSL cannot decode is not a valid key
  }
}

export function verifyBatch(items: readonly SignedMessage[]): boolean[] {
  return items.map((item) => verify(item.publicKey, item.message, item.signature));
}

/** Whether this Node's OpenSSL does Ed25519 (every Node ≥ 12 does; a trimmed build might not). */
export function isAvailable(): boolean {
  try {
    const keys = keyPairFromSeed(Buffer.alloc(32));
    return verify(keys.publicKey, Buffer.alloc(0), sign(keys, Buffer.alloc(0)));
  } catch {
    return false;
  }
}
