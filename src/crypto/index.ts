// The one door to cryptography: BLAKE2b-256, Ed25519, randomness, and the
// link cipher of PROTOCOL.md §8 (X25519 crypto_kx, ChaCha20-Poly1305). Each path
// has two backends, native/ (sodium-native) and js/ (node:crypto and
// @noble/hashes, no addon), proven equal by test/crypto/; a tiny selector per
// path picks one at load time and records why (cryptoBackends()).
//
// TIMENODE_NATIVE=0 forces every fallback; TIMENODE_NATIVE=1 refuses to load
// without sodium-native (NativeRequiredError); unset, native is used where
// bench/crypto.ts measured it faster. `node lib/bench/crypto.js` on the dev
// machine (x64, 2 cores shared with other builds, Node 20.20.2, OpenSSL
// 3.0.19), best of 7 interleaved rounds, operations per second:
//
//   path               sodium-native   fallback                    default
//   hash 32 B          1.34M           167k  @noble/hashes         native (8x)
//   hash 200 B         1.16M           94.1k @noble/hashes         native (12x)
//   hash 10 000 B      58.8k           2.6k  @noble/hashes         native (23x)
//   sign 200 B         34.0k           19.2k node:crypto           native (1.8x)
//   verify 200 B       13.6k           6.0k  node:crypto           native (2.3x)
//   verifyBatch(100)   80 (8.0k sigs)  36 (3.6k sigs) node:crypto  native (2.2x)
//   random 32 B        744k            193k  node:crypto           native (3.8x)
//   keyPairFromSeed    33.8k           1.6k  node:crypto (once per identity; follows sign)
//   (the kx and seal+open rows: one plain loop of 3k / 200k operations, not bench/crypto.ts)
//   kx pair + session  22.1k           2.5k  node:crypto           native (8.8x, once per link)
//   seal+open 48 B     689k            112k  node:crypto           native (6.2x)
//   seal+open 200 B    499k            79k   node:crypto           native (6.3x)
//   seal+open 1 KiB    426k            72k   node:crypto           native (5.9x)
//   @noble/ed25519, the last resort: sign 1.9k, verify 382.
// The measurement on a quieter machine: verify 21.7k vs 12.4k.
// linux-arm (32-bit) has no sodium-native prebuild, so boards run the fallback.
import type { AeadBackend, Ed25519Backend, HashBackend, KeyPair, KxBackend, KxKeyPair, KxRole, RandomBackend, SessionKeys, SignedMessage } from './backend';
import { SEED_BYTES } from './backend';
import * as jsAead from './js/aead';
import * as jsEd25519 from './js/ed25519';
import * as jsKx from './js/kx';
import * as jsHash from './js/hash';
import * as jsRandom from './js/random';
import { choose } from './select';
import type { VerdictMemo } from './verdict-memo';
import { backendChoices, type BackendChoice } from '../base/hotpath-selection';

export { HASH_BYTES, PUBLIC_KEY_BYTES, SEED_BYTES, SIGNATURE_BYTES } from './backend';
export { AEAD_TAG_BYTES, KX_PUBLIC_KEY_BYTES, KxError } from './backend';
export type { KeyPair, KxKeyPair, KxRole, SessionKeys, SignedMessage } from './backend';

const nativeHash = (): HashBackend => require('./native/hash') as typeof import('./native/hash');
const nativeEd25519 = (): Ed25519Backend => require('./native/ed25519') as typeof import('./native/ed25519');
const nativeRandom = (): RandomBackend => require('./native/random') as typeof import('./native/random');
const nativeKx = (): KxBackend => require('./native/kx') as typeof import('./native/kx');
const nativeAead = (): AeadBackend => require('./native/aead') as typeof import('./native/aead');
let fallbackEd25519Backend: Ed25519Backend | undefined;
/** node:crypto; @noble/ed25519 only where this runtime's OpenSSL lacks Ed25519. */
function fallbackEd25519(): Ed25519Backend {
  fallbackEd25519Backend ??= jsEd25519.isAvailable()
    ? jsEd25519
    : (require('./js/ed25519-noble') as typeof import('./js/ed25519-noble'));
  return fallbackEd25519Backend;
}

const hashPath = choose<HashBackend>({
  path: 'hash',
  native: nativeHash,
  fallback: () => jsHash,
  bench: { nativeWins: true, figures: 'sodium-native 1.16M/s vs @noble/hashes 94.1k/s at 200 B' },
});

const signPath = choose<Ed25519Backend>({
  path: 'sign',
  native: nativeEd25519,
  fallback: fallbackEd25519,
  bench: { nativeWins: true, figures: 'sodium-native 34.0k/s vs node:crypto 19.2k/s' },
});

const verifyPath = choose<Ed25519Backend>({
  path: 'verify',
  native: nativeEd25519,
  fallback: fallbackEd25519,
  bench: { nativeWins: true, figures: 'sodium-native 13.6k/s vs node:crypto 6.0k/s' },
});

const verifyBatchPath = choose<Ed25519Backend>({
  path: 'verify-batch',
  native: nativeEd25519,
  fallback: fallbackEd25519,
  bench: { nativeWins: true, figures: 'sodium-native 80 vs node:crypto 36 batches of 100/s' },
});

const randomPath = choose<RandomBackend>({
  path: 'random',
  native: nativeRandom,
  fallback: () => jsRandom,
  bench: { nativeWins: true, figures: 'sodium-native 744k/s vs node:crypto 193k/s at 32 B' },
});

const kxPath = choose<KxBackend>({
  path: 'kx',
  native: nativeKx,
  fallback: () => jsKx,
  bench: { nativeWins: true, figures: 'sodium-native 22.1k/s vs node:crypto 2.5k/s key pair + session keys' },
});

const aeadPath = choose<AeadBackend>({
  path: 'aead',
  native: nativeAead,
  fallback: () => jsAead,
  bench: { nativeWins: true, figures: 'sodium-native 499k/s vs node:crypto 79k/s seal + open of 200 B' },
});

/** BLAKE2b with a 32-byte output and no key, over the concatenation of `parts`. */
export function hash(...parts: Uint8Array[]): Buffer {
  return hashPath.hash(parts);
}

export function keyPairFromSeed(seed: Uint8Array): KeyPair {
  return signPath.keyPairFromSeed(seed);
}

export function generateKeyPair(): KeyPair {
  return keyPairFromSeed(randomBytes(SEED_BYTES));
}

export function sign(keys: KeyPair, message: Uint8Array): Buffer {
  return signPath.sign(keys, message);
}

/** Verdicts the verify pool computed for the batch being handled (withVerdicts), if any. */
let precomputed: VerdictMemo | undefined;

/** False for a bad signature and for a key or signature of the wrong length; never throws. */
export function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (precomputed !== undefined) {
    const verdict = precomputed.find(publicKey, message, signature);
    if (verdict !== undefined) return verdict;
  }
  return verifyPath.verify(publicKey, message, signature);
}

/**
 * Runs `handle` with `memo`'s verdicts answering verify() for exactly the
 * bytes they were computed on (src/crypto/verdict-memo.ts); synchronous, so
 * no other peer's messages are handled while they are installed.
 */
export function withVerdicts<T>(memo: VerdictMemo, handle: () => T): T {
  const outer = precomputed;
  precomputed = memo;
  try {
    return handle();
  } finally {
    precomputed = outer;
  }
}

/** One result per item, in order: the same answers as verify on each. */
export function verifyBatch(items: readonly SignedMessage[]): boolean[] {
  return verifyBatchPath.verifyBatch(items);
}

/** The Ed25519 implementation verify() runs on: a verify worker loads the same one (verify-pool.ts). */
export function verifyBackendImpl(): string {
  return verifyPath.impl;
}

export function randomBytes(n: number): Buffer {
  return randomPath.randomFill(Buffer.allocUnsafe(n));
}

/** A fresh X25519 pair for one connection (§8: never reused across connections). */
export function kxKeyPair(): KxKeyPair {
  return kxPath.keyPair();
}

/** libsodium's crypto_kx_seed_keypair: for the vectors and for tests that need known keys. */
export function kxKeyPairFromSeed(seed: Uint8Array): KxKeyPair {
  return kxPath.keyPairFromSeed(seed);
}

/** §8: the side whose kx is bytewise lower is crypto_kx's client; undefined when both are equal (a protocol error). */
export function kxRole(ownKx: Uint8Array, peerKx: Uint8Array): KxRole | undefined {
  const order = Buffer.compare(ownKx, peerKx);
  if (order === 0) return undefined;
  return order < 0 ? 'client' : 'server';
}

/** This side's send and receive keys; throws KxError when the peer's kx is a low-order point. */
export function kxSessionKeys(role: KxRole, own: KxKeyPair, peerKx: Uint8Array): SessionKeys {
  return kxPath.sessionKeys(role, own, peerKx);
}

/** ChaCha20-Poly1305-IETF over buf[start, start+length), tag written after it. */
export function aeadSealInPlace(key: Uint8Array, nonce: Uint8Array, buf: Buffer, start: number, length: number): void {
  aeadPath.sealInPlace(key, nonce, buf, start, length);
}

/** The plaintext of buf[start, start+length) (ciphertext || tag), or undefined when it does not authenticate. */
export function aeadOpen(key: Uint8Array, nonce: Uint8Array, buf: Buffer, start: number, length: number): Buffer | undefined {
  return aeadPath.open(key, nonce, buf, start, length);
}

const CRYPTO_PATHS = new Set(['hash', 'sign', 'verify', 'verify-batch', 'random', 'kx', 'aead']);

/** The backend each crypto path runs on, and why. */
export function cryptoBackends(): BackendChoice[] {
  return backendChoices().filter((choice) => CRYPTO_PATHS.has(choice.path));
}
