// Measures src/crypto as a node process would load it, in a child process so
// that TIMENODE_NATIVE (read once, at load time) picks the backend: the
// parent runs this once with the default environment and once with
// TIMENODE_NATIVE=0. Each operation alternates with the same call made
// straight to sodium-native in this process: the raw libsodium baseline.
// Started as `timenode bench-worker crypto-worker choices|MS ROUNDS` (workers.ts).
import * as crypto from '../../src/crypto';
import { backendChoices, BackendChoice } from '../../src/base/hotpath-selection';
import { opsPerSecond, paired } from '../measure';
import { loadSodium, type Sodium } from './baselines';

export interface CryptoOp {
  op: 'hash' | 'verify' | 'sign';
  /** The backend the selector chose for this path. */
  kind: string;
  impl: string;
  opsPerSec: number;
  rawOpsPerSec: number;
  ratio: number;
}

export interface CryptoReport {
  choices: BackendChoice[];
  ops: CryptoOp[];
  /** Why raw libsodium could not be measured, if it could not. */
  rawError?: string;
}

export function main(args: string[]): void {
  // Everything a node process loads, so backendChoices() lists every hot path it would use.
  require('../../src/node/node');
  if (args[0] === 'choices') {
    process.send?.({ choices: backendChoices(), ops: [] } satisfies CryptoReport, () => process.exit(0));
    return;
  }
  const ms = Number(args[0] ?? 60);
  const rounds = Number(args[1] ?? 7);
  const sodium = loadSodium();
  const choices = backendChoices();
  const choice = (path: string): BackendChoice | undefined => choices.find((c) => c.path === path);

  // 64 keys in rotation: a relay verifies many senders, not one cached key.
  const keys = Array.from({ length: 64 }, (_, i) => crypto.keyPairFromSeed(Buffer.alloc(32, i + 1)));
  const messages = keys.map((_, i) => crypto.hash(Buffer.from([i])));
  const sigs = keys.map((k, i) => crypto.sign(k, messages[i] as Buffer));
  /** A tx's hashed layout is ~140 bytes: 200 covers a typical signed object. */
  const layout = Buffer.alloc(200, 7);
  const out = Buffer.alloc(32);
  const sigOut = Buffer.alloc(64);
  let i = 0;
  const next = (): number => (i = (i + 1) & 63);

  const ops: CryptoOp[] = [];
  const measure = (op: CryptoOp['op'], path: string, subject: () => void, raw: () => void): void => {
    const c = choice(path);
    const r = typeof sodium === 'string' ? undefined : paired(subject, raw, { ms, rounds });
    ops.push({
      op,
      kind: c?.kind ?? 'unknown',
      impl: c?.impl ?? 'unknown',
      opsPerSec: r?.subject ?? opsPerSecond(subject, ms * rounds),
      rawOpsPerSec: r?.baseline ?? NaN,
      ratio: r?.ratio ?? NaN,
    });
  };
  const s = sodium as Sodium;
  measure('hash', 'hash', () => crypto.hash(layout), () => s.crypto_generichash(out, layout));
  measure(
    'verify',
    'verify',
    () => {
      const k = next();
      if (!crypto.verify((keys[k] as crypto.KeyPair).publicKey, messages[k] as Buffer, sigs[k] as Buffer)) throw new Error('verify failed');
    },
    () => {
      const k = next();
      if (!s.crypto_sign_verify_detached(sigs[k] as Buffer, messages[k] as Buffer, (keys[k] as crypto.KeyPair).publicKey)) throw new Error('raw verify failed');
    },
  );
  measure(
    'sign',
    'sign',
    () => crypto.sign(keys[next()] as crypto.KeyPair, layout),
    () => s.crypto_sign_detached(sigOut, layout, (keys[next()] as crypto.KeyPair).secretKey),
  );
  const report: CryptoReport = { choices, ops, ...(typeof sodium === 'string' ? { rawError: sodium } : {}) };
  process.send?.(report, () => process.exit(0));
}
