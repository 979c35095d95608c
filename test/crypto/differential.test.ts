// The fallbacks against the native backend on the same random inputs, byte
// for byte: 10 000 cases per path (the pure-TS @noble/ed25519, ~30x slower,
// on a sample). A failure names the seed; CRYPTO_TEST_SEED=<n> replays it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CryptoBackend, KeyPair, SignedMessage } from '../../src/crypto/backend';
import { native, noble, nodeCrypto, withoutNative } from './backends';
import { RandomInputs } from './random-inputs';

const CASES = 10_000;
const NOBLE_CASES = 500;
const NOBLE_VERIFY_CASES = 200;
const L = Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex');

const inputs = RandomInputs.fromEnv();
const seedNote = `CRYPTO_TEST_SEED=${inputs.seed}`;
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

test(`hash: ${CASES} random inputs of 0..4096 bytes, whole or in up to 6 parts, agree byte for byte`, { skip: withoutNative }, () => {
  for (let i = 0; i < CASES; i++) {
    const input = inputs.bytes(inputs.below(4097));
    const parts = inputs.split(input, 6);
    const expected = native!.hash.hash([input]);
    const nativeParts = native!.hash.hash(parts);
    // Every other case the fallback gets the parts: half the pure-TS hashing, both call shapes covered.
    const actual = nodeCrypto.hash.hash(i % 2 === 0 ? [input] : parts);
    if (!actual.equals(expected) || !nativeParts.equals(expected)) {
      assert.fail(
        `${seedNote}, case ${i}: input ${hex(input)} (${i % 2 === 0 ? 'whole' : `in ${parts.length} parts`}): ` +
          `native ${hex(expected)}, native in parts ${hex(nativeParts)}, fallback ${hex(actual)}`,
      );
    }
  }
});

test(`hash: every output length libsodium offers, 16..64 bytes, agrees on ${CASES / 10} random inputs`, { skip: withoutNative }, () => {
  for (let i = 0; i < CASES / 10; i++) {
    const input = inputs.bytes(inputs.below(300));
    const length = 16 + (i % 49);
    const [a, b] = [native!.hash.blake2b([input], length), nodeCrypto.hash.blake2b([input], length)];
    assert.equal(hex(b), hex(a), `${seedNote}, case ${i}: ${length}-byte BLAKE2b of ${hex(input)}`);
  }
});

test(`sign: ${CASES} random messages under ${CASES / 4} random seeds give identical signatures`, { skip: withoutNative }, () => {
  let keys = native!.ed25519.keyPairFromSeed(inputs.bytes(32));
  for (let i = 0; i < CASES; i++) {
    if (i % 4 === 0) keys = native!.ed25519.keyPairFromSeed(inputs.bytes(32));
    const message = inputs.bytes(inputs.below(600));
    const expected = native!.ed25519.sign(keys, message);
    // The fallback signs with the same KeyPair object: KeyPair is plain data, the same for every backend.
    const actual = nodeCrypto.ed25519.sign(keys, message);
    if (!actual.equals(expected)) assert.fail(`${seedNote}, case ${i}: seed ${hex(keys.seed)}, message ${hex(message)}: native ${hex(expected)}, node:crypto ${hex(actual)}`);
  }
});

/** The fallbacks' own keyPairFromSeed; node:crypto's goes through PKCS#8 DER, about 1 ms each. */
for (const [fallback, cases] of [[nodeCrypto, 500], [noble, NOBLE_CASES]] as const) {
  test(`keyPairFromSeed + sign: ${cases} random seeds give the same keys and signatures on ${fallback.ed25519.impl}`, { skip: withoutNative }, () => {
    for (let i = 0; i < cases; i++) {
      const seed = inputs.bytes(32);
      const message = inputs.bytes(inputs.below(300));
      const expected = native!.ed25519.keyPairFromSeed(seed);
      const actual = fallback.ed25519.keyPairFromSeed(seed);
      assert.equal(hex(actual.secretKey), hex(expected.secretKey), `${seedNote}, case ${i}: keys from seed ${hex(seed)}`);
      assert.equal(hex(actual.publicKey), hex(expected.publicKey));
      assert.equal(hex(fallback.ed25519.sign(actual, message)), hex(native!.ed25519.sign(expected, message)), `${seedNote}, case ${i}: signature`);
    }
  });
}

type Corruption = (item: SignedMessage) => SignedMessage;

/** Every kind of verify input the differential test draws from, valid first. */
function corruptions(keyPool: () => KeyPair): [name: string, corrupt: Corruption][] {
  const withS = (item: SignedMessage, s: Buffer): SignedMessage => ({ ...item, signature: Buffer.concat([item.signature.subarray(0, 32), s]) });
  return [
    ['valid', (item) => item],
    ['one signature bit flipped', (item) => ({ ...item, signature: inputs.flipBit(item.signature) })],
    ['one public key bit flipped', (item) => ({ ...item, publicKey: inputs.flipBit(item.publicKey) })],
    ['one message bit flipped', (item) => (item.message.length > 0 ? { ...item, message: inputs.flipBit(item.message) } : { ...item, message: Buffer.from([0]) })],
    ['message cut short or extended', (item) => ({ ...item, message: item.message.length > 0 && inputs.below(2) ? item.message.subarray(0, inputs.below(item.message.length)) : Buffer.concat([item.message, inputs.bytes(1 + inputs.below(8))]) })],
    ['random garbage signature', (item) => ({ ...item, signature: inputs.bytes(64) })],
    ['random garbage public key', (item) => ({ ...item, publicKey: inputs.bytes(32) })],
    ['another key', (item) => ({ ...item, publicKey: otherKey(keyPool, item.publicKey) })],
    ['S + L (non-canonical S)', (item) => withS(item, addL(item.signature.subarray(32)))],
    ['R and S swapped', (item) => ({ ...item, signature: Buffer.concat([item.signature.subarray(32), item.signature.subarray(0, 32)]) })],
    ['signature of the wrong length', (item) => ({ ...item, signature: inputs.below(2) ? item.signature.subarray(0, inputs.below(64)) : Buffer.concat([item.signature, inputs.bytes(1 + inputs.below(4))]) })],
    ['public key of the wrong length', (item) => ({ ...item, publicKey: inputs.below(2) ? item.publicKey.subarray(0, inputs.below(32)) : Buffer.concat([item.publicKey, inputs.bytes(1)]) })],
  ];
}

function otherKey(keyPool: () => KeyPair, not: Uint8Array): Buffer {
  for (;;) {
    const { publicKey } = keyPool();
    if (!publicKey.equals(not)) return publicKey;
  }
}

function addL(s: Uint8Array): Buffer {
  const out = Buffer.alloc(32);
  let carry = 0;
  for (let i = 0; i < 32; i++) {
    const sum = s[i]! + L[i]! + carry;
    out[i] = sum & 0xff;
    carry = sum >> 8;
  }
  return out;
}

/** CASES verify inputs over a pool of keys larger than one batch, each tagged with its kind. */
function verifyCases(count: number): { kind: string; item: SignedMessage }[] {
  const pool = Array.from({ length: 300 }, () => native!.ed25519.keyPairFromSeed(inputs.bytes(32)));
  const keyPool = (): KeyPair => inputs.pick(pool);
  const kinds = corruptions(keyPool);
  return Array.from({ length: count }, (_, i) => {
    const keys = keyPool();
    const message = inputs.bytes(inputs.below(400));
    const valid = { publicKey: keys.publicKey, message, signature: native!.ed25519.sign(keys, message) };
    // Half valid, half spread over the corruptions, so both answers are well represented.
    const [kind, corrupt] = i % 2 === 0 ? kinds[0]! : inputs.pick(kinds.slice(1));
    return { kind, item: corrupt(valid) };
  });
}

function describe(item: SignedMessage): string {
  return `pk ${hex(item.publicKey)}, message ${hex(item.message)}, sig ${hex(item.signature)}`;
}

/** Checks `backend` against native on every case; returns the verdicts. */
function sameVerdicts(backend: CryptoBackend, cases: { kind: string; item: SignedMessage }[]): boolean[] {
  const verdicts: boolean[] = [];
  const counts = new Map<string, [accepted: number, total: number]>();
  cases.forEach(({ kind, item }, i) => {
    const expected = native!.ed25519.verify(item.publicKey, item.message, item.signature);
    const actual = backend.ed25519.verify(item.publicKey, item.message, item.signature);
    if (actual !== expected) assert.fail(`${seedNote}, case ${i} (${kind}): native ${expected}, ${backend.ed25519.impl} ${actual}: ${describe(item)}`);
    verdicts.push(expected);
    const [accepted, total] = counts.get(kind) ?? [0, 0];
    counts.set(kind, [accepted + (expected ? 1 : 0), total + 1]);
  });
  // The inputs are what they claim: every valid one verifies, every corrupted one fails.
  for (const [kind, [accepted, total]] of counts) {
    assert.equal(accepted, kind === 'valid' ? total : 0, `${seedNote}: ${kind}, ${accepted} of ${total} accepted`);
  }
  return verdicts;
}

/** Splits `items` into batches of 0..200 and checks each batch's answers against `verdicts`. */
function sameBatchVerdicts(backend: CryptoBackend, items: SignedMessage[], verdicts: boolean[]): void {
  let from = 0;
  while (from < items.length) {
    const size = inputs.below(201);
    const got = backend.ed25519.verifyBatch(items.slice(from, from + size));
    assert.deepEqual(got, verdicts.slice(from, from + size), `${seedNote}: ${backend.ed25519.impl}, the batch of ${size} at ${from}`);
    from += size;
  }
}

test(`verify and verifyBatch: ${CASES} valid, bit-flipped, re-messaged, garbage and wrong-length inputs get the same verdicts`, { skip: withoutNative }, async (t) => {
  const cases = verifyCases(CASES);
  const items = cases.map((c) => c.item);
  let verdicts: boolean[] = [];
  await t.test('verify: node:crypto gives native\'s verdict on every input', () => {
    verdicts = sameVerdicts(nodeCrypto, cases);
  });
  await t.test('verifyBatch, in batches of 0..200: the per-item verdicts, on both backends', () => {
    sameBatchVerdicts(native!, items, verdicts);
    sameBatchVerdicts(nodeCrypto, items, verdicts);
  });
});

test(`verify and verifyBatch: ${NOBLE_VERIFY_CASES} such inputs get the same verdicts from @noble/ed25519`, { skip: withoutNative }, () => {
  const cases = verifyCases(NOBLE_VERIFY_CASES);
  const verdicts = sameVerdicts(noble, cases);
  sameBatchVerdicts(noble, cases.map((c) => c.item), verdicts);
});
