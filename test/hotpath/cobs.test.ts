// COBS: the addon and the TS backend must encode every payload to the same
// bytes, decode every encoding to the same payload, and refuse every bad
// encoding with the same sentence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WireError } from '../../src/wire/errors';
import * as js from '../../src/wire/js/cobs';
import { crc32c as jsCrc32c } from '../../src/wire/js/crc32c';
import { nativeCobsDecode, nativeCobsEncode } from '../../src/wire/native/cobs';
import { addonOrSkip, prng, randomBytes, vectors } from './support';

type Outcome = { ok: string } | { error: string };

function attempt(decode: (b: Uint8Array) => Buffer, encoded: Uint8Array): Outcome {
  try {
    return { ok: decode(encoded).toString('hex') };
  } catch (err) {
    assert.ok(err instanceof WireError, `not a WireError: ${String(err)}`);
    return { error: err.message };
  }
}

/** 0..1000 bytes: no zeros, sparse or dense zeros, or zero-free runs of 253..255 (and twice that) between zeros. */
function randomPayload(rand: (n: number) => number): Buffer {
  const kind = rand(5);
  if (kind === 4) {
    const runs: Buffer[] = [];
    for (let total = 0, want = rand(1001); total < want; ) {
      const run = randomBytes(rand, [253, 254, 255, 507, 508, 509, rand(300)][rand(7)] as number, 0);
      runs.push(run, Buffer.alloc(rand(3)));
      total += run.length;
    }
    return Buffer.concat(runs).subarray(0, rand(1001));
  }
  return randomBytes(rand, rand(1001), [0, 256, 8, 2][kind] as number);
}

/** A valid encoding broken one way or another, or left whole. */
function corrupt(rand: (n: number) => number, encoded: Buffer): Buffer {
  const bad = Buffer.from(encoded);
  switch (rand(5)) {
    case 0:
      if (bad.length > 0) bad[rand(bad.length)] = 0;
      return bad;
    case 1:
      if (bad.length > 0) bad[rand(bad.length)] = 1 + rand(255);
      return bad;
    case 2:
      return bad.subarray(0, rand(bad.length + 1));
    case 3:
      return Buffer.concat([bad, Buffer.from([1 + rand(255)])]);
    default:
      return bad;
  }
}

test('the cobs and serial_frame vectors come out the same from both backends', (t) => {
  const addon = addonOrSkip(t);
  if (!addon) return;
  const encode = nativeCobsEncode(addon);
  const decode = nativeCobsDecode(addon);
  const v = vectors();
  assert.ok(v.cobs.length >= 7);
  for (const { data, encoded } of v.cobs) {
    assert.equal(encode(Buffer.from(data, 'hex')).toString('hex'), encoded, `native encode of ${data.slice(0, 16)}…`);
    assert.equal(decode(Buffer.from(encoded, 'hex')).toString('hex'), data, `native decode of ${encoded.slice(0, 16)}…`);
  }
  const payload = Buffer.from(v.serial_frame.payload, 'hex');
  const raw = Buffer.alloc(payload.length + 4);
  payload.copy(raw);
  raw.writeUInt32BE(addon.crc32c(payload), payload.length);
  assert.equal(addon.crc32c(payload), jsCrc32c(payload));
  assert.equal(Buffer.concat([encode(raw), Buffer.from([0])]).toString('hex'), v.serial_frame.frame);
  assert.ok(decode(Buffer.from(v.serial_frame.frame, 'hex').subarray(0, -1)).equals(raw));
});

test('native and TS COBS agree on 10 000 random payloads of 0..1000 bytes, and on their corruptions', (t) => {
  const addon = addonOrSkip(t);
  if (!addon) return;
  const encode = nativeCobsEncode(addon);
  const decode = nativeCobsDecode(addon);
  const rand = prng(254);
  let refused = 0;
  for (let k = 0; k < 10_000; k++) {
    const data = randomPayload(rand);
    const encoded = js.cobsEncode(data);
    assert.equal(encode(data).toString('hex'), encoded.toString('hex'), `case ${k}: encode of ${data.length} bytes`);
    assert.equal(decode(encoded).toString('hex'), data.toString('hex'), `case ${k}: decode`);
    const bad = corrupt(rand, encoded);
    const want = attempt(js.cobsDecode, bad);
    assert.deepStrictEqual(attempt(decode, bad), want, `case ${k}: decode of ${bad.toString('hex').slice(0, 80)}…`);
    if ('error' in want) refused++;
  }
  assert.ok(refused > 2000, `only ${refused} corrupted encodings were refused`);
});

test('native COBS at the 254-byte block boundaries', (t) => {
  const addon = addonOrSkip(t);
  if (!addon) return;
  const encode = nativeCobsEncode(addon);
  const decode = nativeCobsDecode(addon);
  for (let n = 250; n <= 512; n++) {
    for (const tail of [Buffer.alloc(0), Buffer.from([0]), Buffer.from([0, 5])]) {
      const data = Buffer.concat([Buffer.alloc(n, 7), tail]);
      const encoded = js.cobsEncode(data);
      assert.ok(encode(data).equals(encoded), `encode ${n} + ${tail.toString('hex')}`);
      assert.ok(decode(encoded).equals(data), `decode ${n} + ${tail.toString('hex')}`);
    }
  }
  assert.throws(() => decode(Buffer.alloc(0)), /empty COBS frame/);
  assert.throws(() => decode(Buffer.from('031100', 'hex')), /zero byte at offset 2 of a COBS frame/);
  assert.throws(() => decode(Buffer.from('0511', 'hex')), /COBS code 5 at offset 0 runs past the end of the 2-byte frame/);
});
