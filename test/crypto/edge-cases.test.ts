// The inputs on which Ed25519 implementations legitimately differ, built on
// purpose (random corruption never reaches them): what libsodium and raw
// OpenSSL each answer, and proof that every backend here answers as
// libsodium does. See src/crypto/js/libsodium-rules.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify as osslVerify } from 'node:crypto';
import { etc, Point, utils, verify as nobleOwnVerify } from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { everyBackend, native, withoutNative } from './backends';
import { RandomInputs } from './random-inputs';
import { hasSmallOrder, isCanonicalPoint, isCanonicalScalar } from '../../src/crypto/js/libsodium-rules';

const L = Point.CURVE().n;
const P = Point.CURVE().p;
const inputs = RandomInputs.fromEnv();

function toLittleEndian(n: bigint): Buffer {
  return Buffer.from(n.toString(16).padStart(64, '0'), 'hex').reverse();
}
function fromLittleEndian(bytes: Uint8Array): bigint {
  return BigInt('0x' + Buffer.from(bytes).reverse().toString('hex'));
}
/** k = SHA-512(R || A || M) mod L, the challenge of RFC 8032 §5.1.7. */
function challenge(R: Uint8Array, A: Uint8Array, message: Uint8Array): bigint {
  return etc.mod(fromLittleEndian(sha512(Buffer.concat([R, A, message]))), L);
}
/** OpenSSL's own answer, without this project's libsodium rules in front. */
function rawOpenSsl(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  return osslVerify(null, message, key, signature);
}
/** Every backend gives `expected`; the failure names the ones that did not. */
function everyBackendSays(expected: boolean, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, what: string): void {
  const wrong = everyBackend.filter((b) => b.ed25519.verify(publicKey, message, signature) !== expected).map((b) => b.name);
  assert.deepEqual(wrong, [], `${what}: expected ${expected} from every backend (pk ${Buffer.from(publicKey).toString('hex')}, sig ${Buffer.from(signature).toString('hex')})`);
  const batch = everyBackend.filter((b) => b.ed25519.verifyBatch([{ publicKey, message, signature }])[0] !== expected).map((b) => b.name);
  assert.deepEqual(batch, [], `${what}: verifyBatch disagrees`);
}

const T8 = Point.fromBytes(Buffer.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'hex'));
const torsion = Array.from({ length: 8 }, (_, i) => (i === 0 ? Point.ZERO : T8.multiply(BigInt(i), false)));
const identity = Buffer.from(Point.ZERO.toBytes());

/** Every 32-byte string that encodes a point of small order: canonical, sign bit flipped, and y = p or p + 1. */
function smallOrderEncodings(): Buffer[] {
  const out: Buffer[] = [];
  for (const point of torsion) {
    const bytes = Buffer.from(point.toBytes());
    out.push(bytes, Buffer.from(bytes.map((b, i) => (i === 31 ? b ^ 0x80 : b))));
  }
  for (const y of [P, P + 1n]) {
    const bytes = toLittleEndian(y);
    out.push(bytes, Buffer.from(bytes.map((b, i) => (i === 31 ? b ^ 0x80 : b))));
  }
  return out;
}

test('the eight points of small order are exactly the ones libsodium blacklists (noble computes them)', () => {
  assert.equal(T8.isSmallOrder(), true);
  assert.equal(new Set(torsion.map((p) => p.toHex())).size, 8, 'T8 generates eight distinct points');
  for (const bytes of smallOrderEncodings()) assert.equal(hasSmallOrder(bytes), true, bytes.toString('hex'));
  for (let i = 0; i < 200; i++) {
    const point = Point.BASE.multiply(1n + fromLittleEndian(inputs.bytes(32)) % (L - 1n));
    assert.equal(hasSmallOrder(point.toBytes()), false, `seed ${inputs.seed}: ${point.toHex()}`);
  }
});

test('isCanonicalScalar is s < L and isCanonicalPoint is y < p, on boundaries and random values', () => {
  for (const [s, expected] of [[0n, true], [L - 1n, true], [L, false], [L + 1n, false], [2n ** 256n - 1n, false]] as const) {
    assert.equal(isCanonicalScalar(toLittleEndian(s)), expected, `s = ${s}`);
  }
  for (let i = 0; i < 2000; i++) {
    const bytes = inputs.bytes(32);
    bytes[31] = inputs.below(0x21); // around L's top byte 0x10
    assert.equal(isCanonicalScalar(bytes), fromLittleEndian(bytes) < L, `seed ${inputs.seed}: ${bytes.toString('hex')}`);
  }
  for (const y of [0n, P - 1n, P, P + 18n, 2n ** 255n - 1n]) {
    const bytes = toLittleEndian(y);
    assert.equal(isCanonicalPoint(bytes), y < P, `y = ${y}`);
    bytes[31]! |= 0x80;
    assert.equal(isCanonicalPoint(bytes), y < P, `y = ${y} with the sign bit set`);
  }
});

test('identity key, R = identity, S = 0: raw OpenSSL accepts any message, libsodium and every backend here refuse', () => {
  const signature = Buffer.concat([identity, Buffer.alloc(32)]);
  const message = Buffer.from('any message at all');
  // If this first check fails, OpenSSL became as strict as libsodium; update libsodium-rules.ts's note.
  assert.equal(rawOpenSsl(identity, message, signature), true, 'OpenSSL accepts the identity key');
  everyBackendSays(false, identity, message, signature, 'identity key');
});

test('a key of small order is refused in every encoding, with small-order R and S = 0 or a random signature', () => {
  const message = inputs.bytes(40);
  for (const publicKey of smallOrderEncodings()) {
    for (const R of [identity, Buffer.from(torsion[3]!.toBytes())]) {
      everyBackendSays(false, publicKey, message, Buffer.concat([R, Buffer.alloc(32)]), 'small-order key, small-order R, S = 0');
    }
    everyBackendSays(false, publicKey, message, inputs.bytes(64), 'small-order key, random signature');
  }
});

test('R = identity with S = k·a under an honest key: raw OpenSSL and noble accept, libsodium and every backend here refuse', () => {
  const seed = inputs.bytes(32);
  const { scalar, pointBytes } = utils.getExtendedPublicKey(seed);
  const message = Buffer.from('R of order one');
  const S = etc.mod(challenge(identity, pointBytes, message) * scalar, L);
  const signature = Buffer.concat([identity, toLittleEndian(S)]);
  assert.equal(rawOpenSsl(pointBytes, message, signature), true, 'OpenSSL accepts a small-order R');
  assert.equal(nobleOwnVerify(signature, message, pointBytes, { zip215: false }), true, "noble's own strict verify accepts it too");
  everyBackendSays(false, pointBytes, message, signature, 'R = identity');
});

test('a key with an order-8 component: cofactorless verification accepts only when 8 divides k, on every backend', () => {
  const a = 1n + fromLittleEndian(inputs.bytes(32)) % (L - 1n);
  const A = Point.BASE.multiply(a).add(T8);
  const publicKey = Buffer.from(A.toBytes());
  assert.equal(hasSmallOrder(publicKey), false, 'a mixed-order key is not of small order');
  const seen = { accepted: 0, refused: 0 };
  for (let i = 0; seen.accepted < 2 || seen.refused < 2; i++) {
    const r = 1n + fromLittleEndian(inputs.bytes(32)) % (L - 1n);
    const R = Buffer.from(Point.BASE.multiply(r).toBytes());
    const message = Buffer.from(`mixed order ${i}`);
    const k = challenge(R, publicKey, message);
    const signature = Buffer.concat([R, toLittleEndian(etc.mod(r + k * a, L))]);
    const expected = k % 8n === 0n;
    if (native) assert.equal(native.ed25519.verify(publicKey, message, signature), expected, `libsodium, k mod 8 = ${k % 8n}`);
    assert.equal(rawOpenSsl(publicKey, message, signature), expected, `raw OpenSSL, k mod 8 = ${k % 8n}`);
    // noble's own verify is cofactored: it accepts whatever k is, which is why ed25519-noble.ts does not use it.
    assert.equal(nobleOwnVerify(signature, message, publicKey, { zip215: false }), true, 'noble cofactored');
    everyBackendSays(expected, publicKey, message, signature, `mixed-order key, k mod 8 = ${k % 8n}`);
    seen[expected ? 'accepted' : 'refused']++;
  }
});

test('S ≥ L is refused everywhere, raw OpenSSL included', () => {
  const seed = inputs.bytes(32);
  const { scalar, pointBytes } = utils.getExtendedPublicKey(seed);
  const message = inputs.bytes(20);
  const r = 1n + fromLittleEndian(inputs.bytes(32)) % (L - 1n);
  const R = Buffer.from(Point.BASE.multiply(r).toBytes());
  const S = etc.mod(r + challenge(R, pointBytes, message) * scalar, L);
  everyBackendSays(true, pointBytes, message, Buffer.concat([R, toLittleEndian(S)]), 'the canonical signature');
  for (const s of [S + L, L, 2n ** 256n - 1n]) {
    const signature = Buffer.concat([R, toLittleEndian(s)]);
    assert.equal(rawOpenSsl(pointBytes, message, signature), false, 'OpenSSL checks S < L itself');
    everyBackendSays(false, pointBytes, message, signature, `S = ${s}`);
  }
});

test('non-canonical key encodings (y = p + 2 … p + 18) are refused by every backend', () => {
  let onCurve = 0;
  for (let extra = 2n; extra <= 18n; extra++) {
    for (const signBit of [0, 0x80]) {
      const publicKey = toLittleEndian(P + extra);
      publicKey[31]! |= signBit;
      assert.equal(isCanonicalPoint(publicKey), false);
      try {
        Point.fromBytes(publicKey, true); // ZIP-215 decoding accepts y >= p
        onCurve++;
      } catch {
        // not on the curve at all
      }
      everyBackendSays(false, publicKey, Buffer.from('x'), inputs.bytes(64), `y = p + ${extra}`);
    }
  }
  assert.ok(onCurve > 0, 'some of these encodings name real points, so the rule matters');
});

test('wrong lengths, views at offsets and keys off the curve give false and never throw', () => {
  const keys = everyBackend[0]!.ed25519.keyPairFromSeed(inputs.bytes(32));
  const message = inputs.bytes(33);
  const signature = everyBackend[0]!.ed25519.sign(keys, message);
  const inView = (bytes: Buffer): Uint8Array => {
    const host = new Uint8Array(bytes.length + 7);
    host.set(bytes, 3);
    return host.subarray(3, 3 + bytes.length);
  };
  everyBackendSays(true, inView(keys.publicKey), inView(message), inView(signature), 'typed-array views at an offset');
  for (const n of [0, 1, 31, 33, 64]) everyBackendSays(false, Buffer.alloc(n, 7), message, signature, `public key of ${n} bytes`);
  for (const n of [0, 32, 63, 65, 128]) {
    const wrong = Buffer.concat([signature, signature]).subarray(0, n);
    everyBackendSays(false, keys.publicKey, message, wrong, `signature of ${n} bytes`);
  }
  let offCurve = 0;
  for (let i = 0; i < 64; i++) {
    const publicKey = inputs.bytes(32);
    try {
      Point.fromBytes(publicKey, true);
    } catch {
      offCurve++;
      everyBackendSays(false, publicKey, message, signature, 'a key that is not a point');
    }
  }
  assert.ok(offCurve > 0);
});

test('libsodium refuses what the rules refuse: the native backend on each small-order key', { skip: withoutNative }, () => {
  for (const publicKey of smallOrderEncodings()) {
    assert.equal(native!.ed25519.verify(publicKey, Buffer.alloc(0), Buffer.concat([identity, Buffer.alloc(32)])), false, publicKey.toString('hex'));
  }
});
