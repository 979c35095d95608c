// Measures every crypto path on every backend that loads here, for the
// defaults in src/crypto/index.ts. Run: node build/compile.mjs && node lib/bench/crypto.js
// Each figure is the best of ROUNDS runs of about RUN_MS, in operations per
// second (verifyBatch: batches of 100 per second).
import { createPublicKey } from 'node:crypto';
import type { Ed25519Backend, HashBackend, RandomBackend, SignedMessage } from '../src/crypto/backend';
import * as jsEd25519 from '../src/crypto/js/ed25519';
import * as nobleEd25519 from '../src/crypto/js/ed25519-noble';
import * as jsHash from '../src/crypto/js/hash';
import * as jsRandom from '../src/crypto/js/random';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const RUN_MS = Number(process.env.BENCH_RUN_MS ?? 200);
const MESSAGE_BYTES = 200;
const KEYS = 64;
const BATCH = 100;

/** Ops per second over about RUN_MS. */
function measure(run: () => void): number {
  let ops = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(RUN_MS) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 8; i++) run();
    ops += 8;
    now = process.hrtime.bigint();
  }
  return ops / (Number(now - start) / 1e9);
}

/**
 * The backends of one case take turns, round after round, and each keeps its
 * best round: on a busy machine the comparison stays fair.
 */
function compare(name: string, runs: [impl: string, run: () => void][]): void {
  const best = new Map<string, number>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [impl, run] of runs) best.set(impl, Math.max(best.get(impl) ?? 0, measure(run)));
  }
  for (const [impl, rate] of best) report(name, impl, rate);
}

function format(rate: number): string {
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(2)}M/s`;
  if (rate >= 1e3) return `${(rate / 1e3).toFixed(1)}k/s`;
  return `${rate.toFixed(0)}/s`;
}

function tryRequire<T>(path: string): T | undefined {
  try {
    return require(path) as T;
  } catch (err) {
    console.log(`${path}: not loaded (${(err as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

const hashes: HashBackend[] = [tryRequire<HashBackend>('../src/crypto/native/hash'), jsHash].filter((b) => b !== undefined);
const signers: Ed25519Backend[] = [tryRequire<Ed25519Backend>('../src/crypto/native/ed25519'), jsEd25519, nobleEd25519].filter(
  (b) => b !== undefined,
);
const randoms: RandomBackend[] = [tryRequire<RandomBackend>('../src/crypto/native/random'), jsRandom].filter((b) => b !== undefined);

const results: Record<string, Record<string, number>> = {};
function report(name: string, impl: string, rate: number): void {
  (results[name] ??= {})[impl] = rate;
  console.log(`${name.padEnd(24)} ${impl.padEnd(16)} ${format(rate).padStart(10)}`);
}

const seeds = Array.from({ length: KEYS }, () => jsRandom.randomFill(Buffer.alloc(32)));
const message = jsRandom.randomFill(Buffer.alloc(MESSAGE_BYTES));

for (const size of [32, 200, 10_000]) {
  const input = jsRandom.randomFill(Buffer.alloc(size));
  compare(`hash ${size} B`, hashes.map((b) => [b.impl, () => b.hash([input])]));
}
const parts = [Buffer.alloc(32, 1), Buffer.alloc(8, 2), Buffer.alloc(160, 3)];
compare('hash 3 parts, 200 B', hashes.map((b) => [b.impl, () => b.hash(parts)]));

const verifyItem = (b: Ed25519Backend, item: SignedMessage): boolean => b.verify(item.publicKey, item.message, item.signature);
let i = 0;
const next = (): number => i++ % KEYS;
const keysOf = new Map(signers.map((b) => [b, seeds.map((seed) => b.keyPairFromSeed(seed))]));
const itemsOf = new Map(
  signers.map((b) => [b, keysOf.get(b)!.map((k): SignedMessage => ({ publicKey: k.publicKey, message, signature: b.sign(k, message) }))]),
);
compare('keyPairFromSeed', signers.map((b) => [b.impl, () => b.keyPairFromSeed(seeds[next()]!)]));
compare(`sign ${MESSAGE_BYTES} B`, signers.map((b) => [b.impl, () => b.sign(keysOf.get(b)![next()]!, message)]));
compare(
  `verify ${MESSAGE_BYTES} B, ${KEYS} keys`,
  signers.map((b) => {
    const items = itemsOf.get(b)!;
    return [b.impl, () => void verifyItem(b, items[next()]!)];
  }),
);
// Every key new to the node:crypto backend: its KeyObject cache never hits.
const coldKeys = Array.from({ length: 4096 }, () => jsEd25519.keyPairFromSeed(jsRandom.randomFill(Buffer.alloc(32))));
const coldItems = coldKeys.map((k): SignedMessage => ({ publicKey: k.publicKey, message, signature: jsEd25519.sign(k, message) }));
let cold = 0;
compare(`verify ${MESSAGE_BYTES} B, new key`, [[jsEd25519.impl, () => void verifyItem(jsEd25519, coldItems[cold++ % coldItems.length]!)]]);
const fast = signers.filter((b) => b !== nobleEd25519);
compare(
  `verifyBatch(${BATCH})`,
  fast.map((b) => {
    const batch = Array.from({ length: BATCH }, (_, j) => itemsOf.get(b)![j % KEYS]!);
    return [b.impl, () => void b.verifyBatch(batch)];
  }),
);

// What a public KeyObject costs, i.e. what the node:crypto backend's key
// cache saves per verify, and why it imports keys as JWK rather than SPKI DER.
const rawPublic = keysOf.get(jsEd25519)![0]!.publicKey;
const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), rawPublic]);
const x = rawPublic.toString('base64url');
compare('createPublicKey', [
  ['node:crypto SPKI', () => void createPublicKey({ key: spki, format: 'der', type: 'spki' })],
  ['node:crypto JWK', () => void createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' })],
]);

compare('random 32 B', randoms.map((b) => [b.impl, () => void b.randomFill(Buffer.allocUnsafe(32))]));

if (process.argv.includes('--json')) console.log(JSON.stringify(results));
