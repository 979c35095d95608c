// PROTOCOL.md §8's `encryption` vectors (computed by an independent
// implementation, checked against OpenSSL) on every backend: kx key pairs
// from seeds, both sides' session keys, the bound auth, and every frame's
// ciphertext, byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { native, nodeCrypto } from './backends';
import type { CryptoBackend } from '../../src/crypto/backend';
import * as crypto from '../../src/crypto';
import { authSignedBytes, signAuth, verifyAuth } from '../../src/net/auth';

interface Side {
  node: string;
  kx_seed: string;
  kx: string;
  kx_secret: string;
  challenge: string;
  role: 'client' | 'server';
  send_key: string;
  receive_key: string;
  auth_signed_bytes: string;
  auth_sig: string;
}
interface FrameVector {
  from: 'a' | 'b';
  c: number;
  payload: string;
  encrypted: string;
  tcp_frame?: string;
  serial_frame?: string;
}
export interface EncryptionVectors {
  a: Side;
  b: Side;
  frames: FrameVector[];
}

const REPO_ROOT = path.resolve(__dirname, '../../..');
const doc = JSON.parse(readFileSync(path.join(REPO_ROOT, '..', 'shared', 'vectors', 'tnp1.json'), 'utf8')) as {
  keys: { seed: string; public: string }[];
  encryption: EncryptionVectors;
};
const v = doc.encryption;
const hex = (text: string): Buffer => Buffer.from(text, 'hex');

/** §8's nonce: 4 zero bytes || u64be c. */
function nonceFor(c: number): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64BE(BigInt(c), 4);
  return nonce;
}

const backends: CryptoBackend[] = [...(native ? [native] : []), nodeCrypto];

for (const backend of backends) {
  const { kx, aead } = backend;
  const pairs = { a: kx.keyPairFromSeed(hex(v.a.kx_seed)), b: kx.keyPairFromSeed(hex(v.b.kx_seed)) };

  test(`${backend.name} (${kx.impl}): kx key pairs from the vectors' seeds`, () => {
    for (const side of ['a', 'b'] as const) {
      assert.equal(pairs[side].publicKey.toString('hex'), v[side].kx, `${side}'s kx`);
      assert.equal(pairs[side].secretKey.toString('hex'), v[side].kx_secret, `${side}'s kx secret`);
    }
  });

  test(`${backend.name} (${kx.impl}): roles by the lower kx, and both sides' session keys`, () => {
    for (const [side, peer] of [['a', 'b'], ['b', 'a']] as const) {
      const role = crypto.kxRole(pairs[side].publicKey, pairs[peer].publicKey);
      assert.equal(role, v[side].role, `${side}'s role`);
      const keys = kx.sessionKeys(role!, pairs[side], pairs[peer].publicKey);
      assert.equal(keys.send.toString('hex'), v[side].send_key, `${side}'s send key`);
      assert.equal(keys.receive.toString('hex'), v[side].receive_key, `${side}'s receive key`);
    }
  });

  test(`${backend.name} (${aead.impl}): every frame's encrypted payload, sealed in place and opened back`, () => {
    const sendKeys = {
      a: kx.sessionKeys(v.a.role, pairs.a, pairs.b.publicKey).send,
      b: kx.sessionKeys(v.b.role, pairs.b, pairs.a.publicKey).send,
    };
    for (const frame of v.frames) {
      const payload = hex(frame.payload);
      const buf = Buffer.alloc(8 + payload.length + 16);
      buf.writeBigUInt64BE(BigInt(frame.c), 0);
      payload.copy(buf, 8);
      aead.sealInPlace(sendKeys[frame.from], nonceFor(frame.c), buf, 8, payload.length);
      assert.equal(buf.toString('hex'), frame.encrypted, `${frame.from}'s frame c=${frame.c}`);
      const opened = aead.open(sendKeys[frame.from], nonceFor(frame.c), hex(frame.encrypted), 8, buf.length - 8);
      assert.equal(opened?.toString('hex'), frame.payload, `${frame.from}'s frame c=${frame.c} opens`);
      assert.equal(aead.open(sendKeys[frame.from], nonceFor(frame.c + 1), hex(frame.encrypted), 8, buf.length - 8), undefined, 'under the next nonce it does not');
    }
  });
}

test('the bound auth: signed bytes and signatures of both sides, and neither verifies with a kx swapped or stripped', () => {
  const nodes = { a: crypto.keyPairFromSeed(hex(doc.keys[0]!.seed)), b: crypto.keyPairFromSeed(hex(doc.keys[1]!.seed)) };
  for (const [side, peer] of [['a', 'b'], ['b', 'a']] as const) {
    assert.equal(nodes[side].publicKey.toString('hex'), v[side].node);
    const binding = { signer: hex(v[side].kx), other: hex(v[peer].kx) };
    const peerChallenge = hex(v[peer].challenge);
    assert.equal(authSignedBytes(peerChallenge, nodes[side].publicKey, binding).toString('hex'), v[side].auth_signed_bytes, `${side}'s signed bytes`);
    assert.equal(signAuth(nodes[side], peerChallenge, binding).toString('hex'), v[side].auth_sig, `${side}'s auth sig`);
    const sig = hex(v[side].auth_sig);
    assert.equal(verifyAuth(nodes[side].publicKey, peerChallenge, sig, binding), true, `${peer} accepts ${side}'s auth`);
    const spliced = { signer: crypto.kxKeyPair().publicKey, other: binding.other };
    assert.equal(verifyAuth(nodes[side].publicKey, peerChallenge, sig, spliced), false, 'a swapped kx fails');
    assert.equal(verifyAuth(nodes[side].publicKey, peerChallenge, sig), false, 'stripped kx fails');
  }
});

test('the selected backends (src/crypto/index) reproduce the session keys and the first frame', () => {
  const a = crypto.kxKeyPairFromSeed(hex(v.a.kx_seed));
  const b = crypto.kxKeyPairFromSeed(hex(v.b.kx_seed));
  const keys = crypto.kxSessionKeys('server', a, b.publicKey);
  assert.equal(keys.send.toString('hex'), v.a.send_key);
  const frame = v.frames[0]!;
  const payload = hex(frame.payload);
  const buf = Buffer.alloc(8 + payload.length + 16);
  payload.copy(buf, 8);
  crypto.aeadSealInPlace(keys.send, nonceFor(0), buf, 8, payload.length);
  assert.equal(buf.toString('hex'), frame.encrypted);
  assert.equal(crypto.kxRole(a.publicKey, a.publicKey), undefined, 'equal kx values have no roles');
});
