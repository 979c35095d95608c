import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyPairFromSeed } from '../../src/crypto';
import { deriveGenesis } from '../../src/chain/genesis';
import { signAnn, signHb } from '../../src/chain/signing';
import { ACTIVE_INTERVALS, MAX_FUTURE_MS, MasternodeRegistry, type AnnVerdict } from '../../src/chain/masternodes';

const INTERVAL = 2000;
const T0 = 1767225600000;
const pairs = [1, 2, 3].map((i) => keyPairFromSeed(Buffer.alloc(32, i)));
const outsider = keyPairFromSeed(Buffer.alloc(32, 9));
const genesis = deriveGenesis({ network: 'mn', time: T0, interval: INTERVAL, masternodes: pairs.map((p) => p.publicKey) });
const [a, b] = pairs;
const NOW = T0 + 100_000;

function invalid(v: AnnVerdict, ...words: string[]): void {
  assert.equal(v.kind, 'invalid');
  if (v.kind !== 'invalid') return;
  for (const w of words) assert.ok(v.reason.includes(w), `reason "${v.reason}" should mention "${w}"`);
}

test('masternodes: membership', () => {
  const reg = new MasternodeRegistry(genesis);
  for (const p of pairs) assert.equal(reg.isMember(p.publicKey), true);
  assert.equal(reg.isMember(outsider.publicKey), false);
});

test('masternodes: ann and hb from outside M are invalid and leave no state', () => {
  const reg = new MasternodeRegistry(genesis);
  for (let i = 0; i < 50; i++) {
    const k = keyPairFromSeed(Buffer.alloc(32, 100 + i));
    invalid(reg.acceptAnn(signAnn(k, { ip: '10.0.0.1', port: 9000, time: NOW }), NOW), 'not a masternode', '"mn"');
    invalid(reg.acceptHb(signHb(k, { seq: 1, time: NOW, height: 1 }), NOW), 'not a masternode');
  }
  assert.equal(reg.size, 3, 'state is bounded by |M|');
  assert.equal(reg.list(NOW).length, 3);
});

test('masternodes: ann must be newer by time', () => {
  const reg = new MasternodeRegistry(genesis);
  assert.deepEqual(reg.acceptAnn(signAnn(a, { ip: '10.0.0.1', port: 9000, time: NOW }), NOW), { kind: 'new' });
  assert.deepEqual(reg.acceptAnn(signAnn(a, { ip: '10.0.0.1', port: 9000, time: NOW }), NOW), { kind: 'old' }, 'equal time');
  assert.deepEqual(reg.acceptAnn(signAnn(a, { ip: '10.0.0.9', port: 9001, time: NOW - 1 }), NOW), { kind: 'old' }, 'older');
  // Another member's ann is judged against its own history, not a's.
  assert.deepEqual(reg.acceptAnn(signAnn(b, { ip: '10.0.0.2', port: 9000, time: NOW - 5000 }), NOW), { kind: 'new' });
  assert.deepEqual(reg.acceptAnn(signAnn(a, { ip: '10.0.0.3', port: 9100, time: NOW + 1 }), NOW), { kind: 'new' });
  const mine = reg.list(NOW).find((m) => m.key === a.publicKey.toString('hex'));
  assert.equal(mine?.ip, '10.0.0.3');
  assert.equal(mine?.port, 9100);
});

test('masternodes: a bad ann signature is invalid and changes nothing', () => {
  const reg = new MasternodeRegistry(genesis);
  reg.acceptAnn(signAnn(a, { ip: '10.0.0.1', port: 9000, time: NOW }), NOW);
  const forged = signAnn(a, { ip: '6.6.6.6', port: 666, time: NOW + 50 });
  forged.sig[10] ^= 0xff;
  invalid(reg.acceptAnn(forged, NOW), 'signature');
  // A field changed after signing is the same failure.
  invalid(reg.acceptAnn({ ...signAnn(a, { ip: '10.0.0.1', port: 9000, time: NOW + 60 }), port: 666 }, NOW), 'signature');
  // Signed by someone else under a member's key.
  invalid(reg.acceptAnn({ ...signAnn(outsider, { ip: '10.0.0.1', port: 9000, time: NOW + 70 }), node: a.publicKey }, NOW), 'signature');
  // The forgeries did not raise the bar: an honest ann dated between them is still new.
  assert.deepEqual(reg.acceptAnn(signAnn(a, { ip: '10.0.0.1', port: 9000, time: NOW + 10 }), NOW), { kind: 'new' });
  assert.equal(reg.list(NOW).find((m) => m.key === a.publicKey.toString('hex'))?.ip, '10.0.0.1');
});

test('masternodes: hb must be newer by seq; bad signature invalid', () => {
  const reg = new MasternodeRegistry(genesis);
  assert.deepEqual(reg.acceptHb(signHb(a, { seq: 5, time: NOW, height: 10 }), NOW), { kind: 'new' });
  assert.deepEqual(reg.acceptHb(signHb(a, { seq: 5, time: NOW + 1, height: 11 }), NOW), { kind: 'old' }, 'equal seq');
  assert.deepEqual(reg.acceptHb(signHb(a, { seq: 4, time: NOW + 2, height: 12 }), NOW), { kind: 'old' }, 'lower seq');
  const forged = signHb(a, { seq: 6, time: NOW, height: 99 });
  forged.sig[0] ^= 1;
  invalid(reg.acceptHb(forged, NOW), 'signature', 'seq 6');
  invalid(reg.acceptHb({ ...signHb(a, { seq: 7, time: NOW, height: 1 }), height: 2 }, NOW), 'signature');
  assert.deepEqual(reg.acceptHb(signHb(a, { seq: 6, time: NOW, height: 13 }), NOW), { kind: 'new' });
  const info = reg.list(NOW).find((m) => m.key === a.publicKey.toString('hex'));
  assert.deepEqual(info, { key: a.publicKey.toString('hex'), active: true, lastHbSeq: 6, lastHbAt: NOW, height: 13 });
});

test('masternodes: ann/hb dated too far ahead are invalid', () => {
  const reg = new MasternodeRegistry(genesis);
  const limit = Math.max(INTERVAL, MAX_FUTURE_MS);
  invalid(reg.acceptAnn(signAnn(a, { ip: '10.0.0.1', port: 9000, time: NOW + limit + 1 }), NOW), 'ahead', String(limit));
  invalid(reg.acceptHb(signHb(a, { seq: 1, time: NOW + limit + 1, height: 0 }), NOW), 'ahead');
  assert.deepEqual(reg.acceptAnn(signAnn(a, { ip: '10.0.0.1', port: 9000, time: NOW + limit }), NOW), { kind: 'new' });
  assert.deepEqual(reg.acceptHb(signHb(a, { seq: 1, time: NOW + limit, height: 0 }), NOW), { kind: 'new' });

  // On a network with a long interval, one interval is the allowance.
  const slow = deriveGenesis({ network: 'slow', time: T0, interval: 120_000, masternodes: [a.publicKey] });
  const reg2 = new MasternodeRegistry(slow);
  assert.deepEqual(reg2.acceptHb(signHb(a, { seq: 1, time: NOW + 120_000, height: 0 }), NOW), { kind: 'new' });
  invalid(reg2.acceptHb(signHb(a, { seq: 2, time: NOW + 120_001, height: 0 }), NOW), 'ahead');
});

test('masternodes: active() flips after 3 intervals without a hb', () => {
  const reg = new MasternodeRegistry(genesis);
  assert.deepEqual(reg.active(NOW), []);
  reg.acceptAnn(signAnn(b, { ip: '10.0.0.2', port: 9000, time: NOW }), NOW);
  assert.deepEqual(reg.active(NOW), [], 'an ann alone does not make a node active');
  // The sender's clock does not matter; the time we received it does.
  reg.acceptHb(signHb(a, { seq: 1, time: NOW - 60_000, height: 3 }), NOW);
  const until = NOW + ACTIVE_INTERVALS * INTERVAL;
  assert.deepEqual(reg.active(until - 1), [a.publicKey]);
  assert.deepEqual(reg.active(until), []);
  assert.equal(reg.list(until).find((m) => m.key === a.publicKey.toString('hex'))?.active, false);
  // A fresh hb makes it active again.
  reg.acceptHb(signHb(a, { seq: 2, time: until, height: 4 }), until);
  assert.deepEqual(reg.active(until), [a.publicKey]);
  const listed = reg.list(until);
  assert.deepEqual(listed.map((m) => m.key), genesis.masternodes.map((k) => k.toString('hex')), 'genesis file order');
  assert.deepEqual(listed.find((m) => m.key === b.publicKey.toString('hex')), { key: b.publicKey.toString('hex'), active: false, ip: '10.0.0.2', port: 9000 });
});
