import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { crc32c } from '../../src/wire/crc32c';
import { cobsDecode, cobsEncode, cobsMaxEncodedLength } from '../../src/wire/cobs';
import { encodeSerialFrame, SerialFrameReader } from '../../src/wire/serial-frame';
import { WireError } from '../../src/wire/errors';
import { prng } from '../support/prng';

interface CobsVector {
  data: string;
  encoded: string;
}
interface Vectors {
  cobs: CobsVector[];
  serial_frame: { payload: string; frame: string };
}

const vectors = JSON.parse(
  readFileSync(path.join(path.resolve(__dirname, '../../..'), '..', 'shared', 'vectors', 'tnp1.json'), 'utf8'),
) as Vectors;


/** Zero-heavy random bytes, so that COBS sees runs of every kind. */
function randomPayload(rand: (n: number) => number, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  const zeroOdds = rand(4); // 0: none, else about 1 in 2, 8 or 64
  for (let i = 0; i < n; i++) {
    const zero = zeroOdds === 1 ? rand(2) === 0 : zeroOdds === 2 ? rand(8) === 0 : zeroOdds === 3 ? rand(64) === 0 : false;
    out[i] = zero ? 0 : 1 + rand(255);
  }
  return out;
}

function bitwiseCrc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of data) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

test('crc32c of "123456789" is e3069283', () => {
  assert.equal(crc32c(Buffer.from('123456789', 'ascii')), 0xe3069283);
  assert.equal(crc32c(Buffer.alloc(0)), 0);
});

test('crc32c slicing-by-8 agrees with the bit-by-bit definition at every length and offset', () => {
  const rand = prng(7);
  const data = Buffer.from(Array.from({ length: 300 }, () => rand(256)));
  for (let start = 0; start < 9; start++) {
    for (let n = 0; n < 40; n++) {
      const slice = data.subarray(start, start + n);
      assert.equal(crc32c(slice), bitwiseCrc32c(slice), `offset ${start}, length ${n}`);
    }
  }
  assert.equal(crc32c(data), bitwiseCrc32c(data));
});

test('every cobs vector encodes and decodes exactly', () => {
  assert.ok(vectors.cobs.length >= 7);
  for (const v of vectors.cobs) {
    assert.equal(cobsEncode(Buffer.from(v.data, 'hex')).toString('hex'), v.encoded, `encode ${v.data.slice(0, 16)}…`);
    assert.equal(cobsDecode(Buffer.from(v.encoded, 'hex')).toString('hex'), v.data, `decode ${v.encoded.slice(0, 16)}…`);
  }
});

test('a 254-byte run followed by a zero keeps its zero', () => {
  const data = Buffer.concat([Buffer.alloc(254, 7), Buffer.from([0])]);
  const encoded = cobsEncode(data);
  assert.equal(encoded.toString('hex'), 'ff' + '07'.repeat(254) + '0101');
  assert.deepStrictEqual(cobsDecode(encoded), data);
});

test('10 000 random payloads of 0..600 bytes survive a COBS round trip with no zero inside', () => {
  const rand = prng(42);
  for (let k = 0; k < 10000; k++) {
    const data = randomPayload(rand, rand(601));
    const encoded = cobsEncode(data);
    assert.equal(encoded.indexOf(0), -1, `case ${k}: zero in the encoding`);
    assert.ok(encoded.length <= cobsMaxEncodedLength(data.length), `case ${k}: ${encoded.length} bytes`);
    assert.ok(cobsDecode(encoded).equals(data), `case ${k}: round trip differs`);
  }
});

test('cobsDecode refuses a zero byte, an overrunning code and an empty input', () => {
  const refuses = (hex: string, pattern: RegExp): void => {
    assert.throws(() => cobsDecode(Buffer.from(hex, 'hex')), (err: unknown) => err instanceof WireError && pattern.test(err.message));
  };
  refuses('031100', /zero byte at offset 2/);
  refuses('0011', /zero byte at offset 0/);
  refuses('0511', /code 5 at offset 0 runs past the end/);
  refuses('', /empty COBS frame/);
});

test('the serial_frame vector is reproduced and read back', () => {
  const payload = Buffer.from(vectors.serial_frame.payload, 'hex');
  const frame = encodeSerialFrame(payload);
  assert.equal(frame.toString('hex'), vectors.serial_frame.frame);
  const reader = new SerialFrameReader();
  assert.deepStrictEqual(reader.push(frame), [payload]);
  assert.equal(reader.dropped, 0);
});

test('random frames fed in random splits come back exactly, in order', () => {
  const rand = prng(9);
  const payloads = Array.from({ length: 500 }, () => randomPayload(rand, 1 + rand(600)));
  // Stray delimiters between frames are idle line noise and must be ignored.
  const stream = Buffer.concat(payloads.flatMap((p) => (rand(4) === 0 ? [Buffer.from([0]), encodeSerialFrame(p)] : [encodeSerialFrame(p)])));
  const reader = new SerialFrameReader(600);
  const got: Buffer[] = [];
  for (let i = 0; i < stream.length; ) {
    const size = rand(3) === 0 ? 1 : 1 + rand(2000);
    got.push(...reader.push(stream.subarray(i, i + size)));
    i += size;
  }
  assert.equal(got.length, payloads.length);
  for (let k = 0; k < payloads.length; k++) assert.ok(got[k].equals(payloads[k]), `frame ${k} differs`);
  assert.equal(reader.dropped, 0);
  assert.equal(reader.buffered, 0);
});

test('a frame with one flipped byte is dropped and counted, and the next frame still arrives', () => {
  const first = Buffer.from('first payload');
  const second = Buffer.from('second payload');
  for (let at = 0; at < encodeSerialFrame(first).length - 1; at++) {
    const bad = encodeSerialFrame(first);
    bad[at] ^= bad[at] === 0x01 ? 0x02 : 0x01; // never turn it into a delimiter: that case is the next test
    const reader = new SerialFrameReader();
    const got = reader.push(Buffer.concat([bad, encodeSerialFrame(second)]));
    assert.ok(!got.some((p) => p.equals(first)), `flip at ${at} was delivered`);
    assert.ok(got[got.length - 1].equals(second), `flip at ${at}: the next frame was lost`);
    assert.equal(got.length, 1, `flip at ${at}: ${got.length} delivered`);
    assert.equal(reader.dropped, 1, `flip at ${at}`);
  }
});

test('a frame whose flipped byte becomes a delimiter splits into drops, and the link recovers', () => {
  const bad = encodeSerialFrame(Buffer.from('0123456789abcdef'));
  bad[5] = 0;
  const reader = new SerialFrameReader();
  const got = reader.push(Buffer.concat([bad, encodeSerialFrame(Buffer.from('ok'))]));
  assert.deepStrictEqual(got, [Buffer.from('ok')]);
  assert.equal(reader.dropped, 2);
});

test('garbage without a delimiter past the bound is dropped once, never buffered beyond it, and the reader recovers', () => {
  const maxFrame = 64;
  const bound = cobsMaxEncodedLength(maxFrame + 4);
  const reader = new SerialFrameReader(maxFrame);
  const garbage = Buffer.alloc(10 * bound, 0x55);
  for (let i = 0; i < garbage.length; i += 7) {
    assert.deepStrictEqual(reader.push(garbage.subarray(i, i + 7)), []);
    assert.ok(reader.buffered <= bound, `buffered ${reader.buffered} > ${bound}`);
  }
  assert.equal(reader.dropped, 1);
  const payload = Buffer.alloc(maxFrame, 0x33);
  assert.deepStrictEqual(reader.push(Buffer.concat([Buffer.from([0]), encodeSerialFrame(payload)])), [payload]);
  assert.equal(reader.dropped, 1);
});

test('a payload over maxFrame with a valid CRC is dropped, one of exactly maxFrame delivered', () => {
  const reader = new SerialFrameReader(64);
  assert.deepStrictEqual(reader.push(encodeSerialFrame(Buffer.alloc(65, 1))), []);
  assert.equal(reader.dropped, 1);
  const ok = Buffer.alloc(64, 2);
  assert.deepStrictEqual(reader.push(encodeSerialFrame(ok)), [ok]);
});

test('short frames and empty payloads are dropped; back-to-back delimiters are ignored silently', () => {
  const reader = new SerialFrameReader();
  assert.deepStrictEqual(reader.push(Buffer.from([0, 0, 0])), []);
  assert.equal(reader.dropped, 0);
  assert.deepStrictEqual(reader.push(Buffer.concat([cobsEncode(Buffer.from([1, 2, 3])), Buffer.from([0])])), []);
  assert.equal(reader.dropped, 1);
  // An empty payload with its (zero) CRC: what a run of 0x01 noise decodes to.
  assert.deepStrictEqual(reader.push(Buffer.from([1, 1, 1, 1, 1, 0])), []);
  assert.equal(reader.dropped, 2);
});
