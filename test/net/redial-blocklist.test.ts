// The network/genesis redial blocklist (PROTOCOL.md §2) is bounded: any peer
// can put its IP on it, so 10 000 mismatched peers must not grow it past its cap.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RedialBlocklist } from '../../src/net/redial-blocklist';

test('a blocked IP is not redialed until its hour is over, then it is forgotten', () => {
  const list = new RedialBlocklist(4);
  list.block('198.51.100.1', 3_600_000, 0);
  assert.equal(list.blockedUntil('198.51.100.1', 1000), 3_600_000);
  assert.equal(list.blockedUntil('198.51.100.2', 1000), undefined);
  assert.equal(list.blockedUntil('198.51.100.1', 3_600_000), undefined);
  assert.equal(list.size, 0);
});

test('the list never holds more than its cap: expired entries go first, then the one expiring soonest', () => {
  const list = new RedialBlocklist(100);
  for (let i = 0; i < 10_000; i++) {
    list.block(`10.${i >> 8}.${i & 255}.1`, 1_000_000 + i, i);
    assert.ok(list.size <= 100, `size ${list.size} after ${i + 1} blocks`);
  }
  // The newest entries survive; the oldest (soonest to expire) were dropped.
  assert.equal(list.blockedUntil('10.39.15.1', 9_999), 1_000_000 + 9_999);
  assert.equal(list.blockedUntil('10.0.0.1', 9_999), undefined);

  const expiring = new RedialBlocklist(3);
  expiring.block('a', 10, 0);
  expiring.block('b', 500, 0);
  expiring.block('c', 600, 0);
  expiring.block('d', 700, 100); // 'a' has expired by t=100 and makes the room
  assert.equal(expiring.blockedUntil('b', 100), 500);
  assert.equal(expiring.blockedUntil('d', 100), 700);
  assert.equal(expiring.size, 3);
});
