// The link cipher's fallback (node:crypto) held to sodium-native on the same
// random inputs: key pairs, session keys, sealed bytes, verdicts on damaged
// frames, and the refusal of low-order kx values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { native, nodeCrypto, withoutNative } from './backends';
import { KxError } from '../../src/crypto/backend';
import { RandomInputs } from './random-inputs';

/** Curve25519 points of small order (libsodium's blocklist, first three): X25519 with them gives zero. */
const LOW_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
];

test('kx: the same seed gives the same pair, and the same pair the same session keys, on both backends', { skip: withoutNative }, () => {
  const rand = RandomInputs.fromEnv();
  for (let i = 0; i < 50; i++) {
    const seedA = rand.bytes(32);
    const seedB = rand.bytes(32);
    const n = { a: native!.kx.keyPairFromSeed(seedA), b: native!.kx.keyPairFromSeed(seedB) };
    const j = { a: nodeCrypto.kx.keyPairFromSeed(seedA), b: nodeCrypto.kx.keyPairFromSeed(seedB) };
    assert.deepEqual(j.a, n.a);
    for (const role of ['client', 'server'] as const) {
      const fromNative = native!.kx.sessionKeys(role, n.a, n.b.publicKey);
      const fromJs = nodeCrypto.kx.sessionKeys(role, j.a, j.b.publicKey);
      assert.equal(fromJs.send.toString('hex'), fromNative.send.toString('hex'), `${role} send, case ${i} (CRYPTO_TEST_SEED=${rand.seed})`);
      assert.equal(fromJs.receive.toString('hex'), fromNative.receive.toString('hex'), `${role} receive, case ${i} (CRYPTO_TEST_SEED=${rand.seed})`);
    }
    // A fresh pair on one backend agrees with the other side on the other backend.
    const fresh = native!.kx.keyPair();
    const other = nodeCrypto.kx.keyPair();
    const mine = native!.kx.sessionKeys('client', fresh, other.publicKey);
    const theirs = nodeCrypto.kx.sessionKeys('server', other, fresh.publicKey);
    assert.deepEqual([mine.send, mine.receive], [theirs.receive, theirs.send]);
  }
});

test('kx: both backends refuse a low-order peer kx with KxError, and a wrong length', { skip: withoutNative }, () => {
  for (const backend of [native!, nodeCrypto]) {
    const own = backend.kx.keyPair();
    for (const point of LOW_ORDER) {
      assert.throws(() => backend.kx.sessionKeys('client', own, Buffer.from(point, 'hex')), KxError, `${backend.name}: ${point}`);
    }
    assert.throws(() => backend.kx.sessionKeys('server', own, Buffer.alloc(31, 9)), KxError, `${backend.name}: 31 bytes`);
  }
});

test('aead: both backends seal the same bytes, open each other, and refuse every damaged frame alike', { skip: withoutNative }, () => {
  const rand = RandomInputs.fromEnv();
  for (let i = 0; i < 200; i++) {
    const key = rand.bytes(32);
    const nonce = rand.bytes(12);
    const length = 1 + rand.below(i < 190 ? 300 : 70_000);
    const plain = rand.bytes(length);
    const start = rand.below(9);
    const bufs = [native!, nodeCrypto].map((backend) => {
      const buf = Buffer.alloc(start + length + 16);
      plain.copy(buf, start);
      backend.aead.sealInPlace(key, nonce, buf, start, length);
      return buf;
    });
    assert.equal(bufs[1]!.toString('hex'), bufs[0]!.toString('hex'), `case ${i}: ${length} bytes at ${start}`);
    for (const backend of [native!, nodeCrypto]) {
      const opened = backend.aead.open(key, nonce, Buffer.from(bufs[0]!), start, length + 16);
      assert.ok(opened?.equals(plain), `${backend.name} opens case ${i}`);
      const damaged = Buffer.from(bufs[0]!);
      damaged[start + rand.below(length + 16)]! ^= 1 << rand.below(8);
      assert.equal(backend.aead.open(key, nonce, damaged, start, length + 16), undefined, `${backend.name} refuses a flipped bit, case ${i} (CRYPTO_TEST_SEED=${rand.seed})`);
      assert.equal(backend.aead.open(key, nonce, bufs[0]!, start, 15), undefined, `${backend.name} refuses a frame shorter than a tag`);
    }
  }
});
