// In-process baselines shared by several cases.
import { AEAD_TAG_BYTES, hash, KeyPair, keyPairFromSeed, sign, verify } from '../../src/crypto';
import { opsPerSecond } from '../measure';

export type Sodium = typeof import('sodium-native').default;

/** sodium-native called directly (raw libsodium), or why it did not load (the portable bundle, armv7). */
export function loadSodium(): Sodium | string {
  try {
    const mod = require('sodium-native') as Sodium & { default?: Sodium };
    return mod.default ?? mod;
  } catch (err) {
    return (err as Error).message.split('\n')[0] ?? String(err);
  }
}

/**
 * µs that raw libsodium takes for what §8 adds to one ping→pong round trip:
 * each of the two frames sealed once and opened once (ChaCha20-Poly1305-IETF
 * over payloads of `lengths`), called straight on sodium-native with the
 * buffers made beforehand: the floor under the encryption an RTT can show.
 */
export function rawAeadRoundTripMicros(sodium: Sodium, lengths: readonly number[], ms = 300): number {
  const key = Buffer.alloc(32, 5);
  const nonce = Buffer.alloc(12);
  const frames = lengths.map((n) => ({ plain: Buffer.alloc(n, 3), sealed: Buffer.alloc(n + AEAD_TAG_BYTES), opened: Buffer.alloc(n) }));
  let c = 0;
  const roundTrip = (): void => {
    for (const f of frames) {
      nonce.writeUInt32BE(++c, 8);
      sodium.crypto_aead_chacha20poly1305_ietf_encrypt(f.sealed, f.plain, null, null, nonce, key);
      sodium.crypto_aead_chacha20poly1305_ietf_decrypt(f.opened, null, f.sealed, null, nonce, key);
    }
  };
  return 1e6 / opsPerSecond(roundTrip, ms);
}

let keys: { keys: KeyPair[]; messages: Buffer[]; sigs: Buffer[] } | undefined;

/**
 * Ed25519 verifications per second on one core, through the crypto backend
 * this process selected (the one a node with the same environment uses),
 * over 32-byte messages (a txid, a block hash) from 64 rotating keys.
 */
export function verifyRate(ms = 400): number {
  keys ??= (() => {
    const k = Array.from({ length: 64 }, (_, i) => keyPairFromSeed(Buffer.alloc(32, 100 + i)));
    const messages = k.map((_, i) => hash(Buffer.from([i])));
    return { keys: k, messages, sigs: k.map((kp, i) => sign(kp, messages[i] as Buffer)) };
  })();
  const { keys: k, messages, sigs } = keys;
  let i = 0;
  return opsPerSecond(() => {
    i = (i + 1) & 63;
    if (!verify((k[i] as KeyPair).publicKey, messages[i] as Buffer, sigs[i] as Buffer)) throw new Error('baseline verify failed');
  }, ms);
}
