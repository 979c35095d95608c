// Published test vectors on every backend: RFC 8032 §7.1 for Ed25519, RFC 7693
// Appendix A and known BLAKE2b-256 digests for the hash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { everyBackend } from './backends';
import { RFC8032_VECTORS } from './fixtures/rfc8032';
import * as crypto from '../../src/crypto';

const hex = (text: string): Buffer => Buffer.from(text, 'hex');

/** RFC 7693 Appendix A: BLAKE2b-512("abc"). */
const BLAKE2B_512_ABC =
  'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923';
const BLAKE2B_256: [input: string, digest: string][] = [
  ['', '0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8'],
  ['abc', 'bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319'],
];

test('the RFC 7693 vector is the one node:crypto gives for blake2b512, so it is transcribed right', () => {
  assert.equal(createHash('blake2b512').update('abc').digest('hex'), BLAKE2B_512_ABC);
});

for (const backend of everyBackend) {
  const { ed25519, hash } = backend;

  test(`${backend.name} (${hash.impl}): BLAKE2b-512("abc") is RFC 7693 Appendix A`, () => {
    assert.equal(hash.blake2b([Buffer.from('abc')], 64).toString('hex'), BLAKE2B_512_ABC);
  });

  test(`${backend.name} (${hash.impl}): BLAKE2b-256 of "" and "abc", whole and in parts`, () => {
    for (const [input, digest] of BLAKE2B_256) {
      assert.equal(hash.hash([Buffer.from(input)]).toString('hex'), digest, `BLAKE2b-256("${input}")`);
      assert.equal(hash.hash([Buffer.alloc(0), Buffer.from(input), Buffer.alloc(0)]).toString('hex'), digest, `BLAKE2b-256("", "${input}", "")`);
    }
    assert.equal(hash.hash([]).toString('hex'), BLAKE2B_256[0]![1], 'no parts at all hashes the empty string');
    assert.equal(hash.hash([Buffer.from('a'), new Uint8Array([0x62]), Buffer.from('c')]).toString('hex'), BLAKE2B_256[1]![1]);
  });

  for (const vector of RFC8032_VECTORS) {
    test(`${backend.name} (${ed25519.impl}): RFC 8032 ${vector.name} derives the key, signs and verifies`, () => {
      const keys = ed25519.keyPairFromSeed(hex(vector.seed));
      assert.equal(keys.publicKey.toString('hex'), vector.publicKey, 'public key');
      assert.equal(keys.secretKey.toString('hex'), vector.seed + vector.publicKey, 'secret key is seed || public key');
      assert.equal(keys.seed.toString('hex'), vector.seed);
      const message = hex(vector.message);
      assert.equal(ed25519.sign(keys, message).toString('hex'), vector.signature, 'signature');
      assert.equal(ed25519.verify(hex(vector.publicKey), message, hex(vector.signature)), true, 'the RFC signature verifies');
      const other = Buffer.concat([message, Buffer.from([0])]);
      assert.equal(ed25519.verify(hex(vector.publicKey), other, hex(vector.signature)), false, 'a longer message does not');
      assert.deepEqual(ed25519.verifyBatch([{ publicKey: keys.publicKey, message, signature: hex(vector.signature) }]), [true]);
    });
  }
}

test('the selected backends (src/crypto/index) pass RFC 8032 TEST 3 and BLAKE2b-256("abc")', () => {
  const vector = RFC8032_VECTORS[2]!;
  const keys = crypto.keyPairFromSeed(hex(vector.seed));
  assert.equal(crypto.sign(keys, hex(vector.message)).toString('hex'), vector.signature);
  assert.equal(crypto.verify(keys.publicKey, hex(vector.message), hex(vector.signature)), true);
  assert.equal(crypto.hash(Buffer.from('ab'), Buffer.from('c')).toString('hex'), BLAKE2B_256[1]![1]);
  assert.equal(crypto.randomBytes(48).length, 48);
  assert.deepEqual(crypto.verifyBatch([]), []);
});
