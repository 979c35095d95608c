import { test } from 'node:test';
import assert from 'node:assert/strict';
import { relayId, SeenCache } from '../../src/chain/seen-cache';

test('seen cache: add reports new once, has remembers', () => {
  const c = new SeenCache(10);
  const id = relayId('tx', Buffer.alloc(32, 7));
  assert.equal(c.has(id), false);
  assert.equal(c.add(id), true);
  assert.equal(c.add(relayId('tx', Buffer.alloc(32, 7))), false, 'equal bytes are the same identity');
  assert.equal(c.has(id), true);
  assert.equal(c.size, 1);
});

test('seen cache: bounded, evicts the oldest insertion first', () => {
  const c = new SeenCache(3);
  for (const id of ['a', 'b', 'c', 'd']) assert.equal(c.add(id), true);
  assert.equal(c.size, 3);
  assert.equal(c.has('a'), false, 'the oldest is forgotten');
  assert.ok(c.has('b') && c.has('c') && c.has('d'));
  // A forgotten id is new again, and pushes out the next oldest.
  assert.equal(c.add('a'), true);
  assert.equal(c.has('b'), false);
  assert.equal(c.size, 3);
});

test('seen cache: a repeat does not refresh its age', () => {
  const c = new SeenCache(3);
  c.add('a');
  c.add('b');
  c.add('c');
  assert.equal(c.add('a'), false);
  c.add('d');
  assert.equal(c.has('a'), false, 'a was still the oldest insertion');
  assert.ok(c.has('b'));
});

test('seen cache: stays at its bound under a long stream', () => {
  const c = new SeenCache(100);
  for (let i = 0; i < 10_000; i++) c.add(`id-${i}`);
  assert.equal(c.size, 100);
  assert.ok(c.has('id-9999') && c.has('id-9900'));
  assert.equal(c.has('id-9899'), false);
});

test('relay ids: one flat latin1 character per byte, kinds and counters kept apart', () => {
  const bytes = Buffer.alloc(32, 0xe9);
  const tx = relayId('tx', bytes);
  assert.equal(tx.length, 33);
  assert.equal(Buffer.from(tx, 'latin1').subarray(1).equals(bytes), true, 'the id bytes, one character each');
  assert.notEqual(relayId('vote', bytes), tx, 'a vote and a tx with the same id bytes are two objects');
  assert.notEqual(relayId('heartbeat', bytes, 7), relayId('heartbeat', bytes, 8));
  assert.notEqual(relayId('heartbeat', bytes, 7), relayId('masternode', bytes, 7));
  assert.equal(relayId('heartbeat', bytes, 12).length, 35);
  assert.throws(() => relayId('block', Buffer.alloc(31)), /a block relay id is 32 bytes, got 31/);
});

test('seen cache: refuses a non-positive bound', () => {
  assert.throws(() => new SeenCache(0), RangeError);
  assert.throws(() => new SeenCache(1.5), RangeError);
});
