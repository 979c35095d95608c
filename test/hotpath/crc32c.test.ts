// CRC-32C: the addon's hardware path (SSE4.2 / ARMv8 CRC, where the CPU has
// it), its portable slicing-by-8 path and the TS backend must agree on every
// input; all three must reproduce the protocol's vector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c } from '../../src/wire/crc32c';
import { crc32c as jsCrc32c } from '../../src/wire/js/crc32c';
import { addonOrSkip, prng, randomBytes, vectors } from './support';

test('every backend gives e3069283 for "123456789" and the vector file agrees', (t) => {
  const data = Buffer.from(vectors().crc32c.input_ascii, 'ascii');
  assert.equal(vectors().crc32c.crc, 'e3069283');
  assert.equal(jsCrc32c(data), 0xe3069283);
  assert.equal(crc32c(data), 0xe3069283, 'the selected backend');
  const addon = addonOrSkip(t);
  if (!addon) return;
  assert.equal(addon.crc32c(data), 0xe3069283, `addon (${addon.crc32cImpl})`);
  assert.equal(addon.crc32cPortable(data), 0xe3069283, 'addon slicing-by-8');
});

test('native (hardware and portable) and TS crc32c agree on 10 000 random buffers at random offsets', (t) => {
  const addon = addonOrSkip(t);
  if (!addon) return;
  const rand = prng(32);
  const pool = randomBytes(rand, 70_000, 16);
  for (let k = 0; k < 10_000; k++) {
    // Lengths around every multiple of 8, and now and then a long one; views at any alignment.
    const n = rand(20) === 0 ? rand(65_536) : rand(2049);
    const start = rand(pool.length - n + 1);
    const data = pool.subarray(start, start + n);
    const want = jsCrc32c(data);
    assert.equal(addon.crc32c(data), want, `case ${k}: ${addon.crc32cImpl}, offset ${start}, length ${n}`);
    assert.equal(addon.crc32cPortable(data), want, `case ${k}: slicing-by-8, offset ${start}, length ${n}`);
    assert.equal(crc32c(data), want, `case ${k}: selected backend, length ${n}`);
  }
  assert.equal(addon.crc32c(new Uint8Array(0)), 0);
});
