import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyCache } from '../../src/crypto/js/key-cache';

test('the key cache makes each value once, keeps at most its capacity, and drops the least recently used', () => {
  const made: string[] = [];
  const cache = new KeyCache<string>(3);
  const get = (key: string): string => cache.get(key, () => (made.push(key), `value of ${key}`));
  for (const key of ['a', 'b', 'c', 'a']) assert.equal(get(key), `value of ${key}`);
  assert.deepEqual(made, ['a', 'b', 'c'], 'a hit makes nothing');
  get('d'); // full: b is the least recently used, a was just used
  assert.equal(cache.size, 3);
  get('a');
  get('c');
  assert.deepEqual(made, ['a', 'b', 'c', 'd']);
  get('b');
  assert.deepEqual(made, ['a', 'b', 'c', 'd', 'b'], 'b was dropped and made again');
  assert.equal(cache.size, 3);
});
