// In-process baselines shared by several cases.
import { hash, KeyPair, keyPairFromSeed, sign, verify } from '../../src/crypto';
import { opsPerSecond } from '../measure';

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
