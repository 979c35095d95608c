import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MAX_FRAME, encodeFrame, FrameReader } from '../../src/wire/frame';
import { WireError } from '../../src/wire/errors';
import { prng } from '../support/prng';


function randomBytes(rand: (n: number) => number, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = rand(256);
  return out;
}

function throwsWire(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof WireError, `expected a WireError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

test('encodeFrame prefixes the payload with its u32be length', () => {
  assert.equal(encodeFrame(Buffer.from('abc')).toString('hex'), '00000003616263');
  assert.equal(DEFAULT_MAX_FRAME, 4194304);
  assert.throws(() => encodeFrame(Buffer.alloc(0)), RangeError);
});

test('1000 random frames fed in random splits, down to single bytes, come back exactly', () => {
  for (const seed of [1, 2, 3]) {
    const rand = prng(seed);
    const maxFrame = 5000;
    const frames = Array.from({ length: 1000 }, () => randomBytes(rand, 1 + Math.floor(rand(maxFrame))));
    const stream = Buffer.concat(frames.map(encodeFrame));
    const reader = new FrameReader(maxFrame);
    const got: Buffer[] = [];
    let maxBuffered = 0;
    for (let i = 0; i < stream.length; ) {
      const mode = Math.floor(rand(3));
      const size = mode === 0 ? 1 : mode === 1 ? 1 + Math.floor(rand(16)) : 1 + Math.floor(rand(20000));
      got.push(...reader.push(stream.subarray(i, i + size)));
      maxBuffered = Math.max(maxBuffered, reader.buffered);
      i += size;
    }
    assert.equal(got.length, frames.length, `seed ${seed}`);
    for (let k = 0; k < frames.length; k++) assert.ok(got[k].equals(frames[k]), `seed ${seed}: frame ${k} differs`);
    assert.equal(reader.buffered, 0);
    assert.ok(maxBuffered <= 4 + maxFrame, `buffered reached ${maxBuffered}`);
  }
});

test('many frames in one chunk all come out in order', () => {
  const frames = Array.from({ length: 50 }, (_, i) => Buffer.alloc(1 + i, i));
  const reader = new FrameReader();
  const got = reader.push(Buffer.concat(frames.map(encodeFrame)));
  assert.deepStrictEqual(got, frames);
  assert.equal(reader.buffered, 0);
});

test('a frame completed by a chunk that also starts the next one', () => {
  const reader = new FrameReader();
  const stream = Buffer.concat([encodeFrame(Buffer.from('first')), encodeFrame(Buffer.from('second'))]);
  assert.deepStrictEqual(reader.push(stream.subarray(0, 7)), []);
  assert.equal(reader.buffered, 7);
  assert.deepStrictEqual(reader.push(stream.subarray(7, 13)), [Buffer.from('first')]);
  assert.equal(reader.buffered, 4);
  assert.deepStrictEqual(reader.push(stream.subarray(13)), [Buffer.from('second')]);
});

test('a zero length is refused', () => {
  throwsWire(() => new FrameReader().push(Buffer.from([0, 0, 0, 0])), /frame length 0 is not allowed \(1\.\.4194304\)/);
});

test('a length of maxFrame + 1 is refused on the 4 prefix bytes alone', () => {
  const reader = new FrameReader(1024);
  throwsWire(() => reader.push(Buffer.from([0, 0, 0x04, 0x01])), /frame length 1025 exceeds the maximum of 1024 bytes/);
  throwsWire(() => reader.push(Buffer.from([1])), /used after a framing error/);
});

test('a prefix split over chunks is checked as soon as it is complete', () => {
  const reader = new FrameReader(1024);
  assert.deepStrictEqual(reader.push(Buffer.from([0, 0])), []);
  throwsWire(() => reader.push(Buffer.from([0x04, 0x01])), /frame length 1025 exceeds/);
});

test('a 4 GiB length is refused without allocating for it', () => {
  const before = process.memoryUsage().arrayBuffers;
  const reader = new FrameReader();
  throwsWire(() => reader.push(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3])), /frame length 4294967295 exceeds the maximum of 4194304 bytes/);
  assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 20);
  assert.equal(reader.buffered, 4);
});

test('a frame of exactly maxFrame bytes is accepted, split or whole', () => {
  const payload = Buffer.alloc(1024, 0x5a);
  const frame = encodeFrame(payload);
  assert.deepStrictEqual(new FrameReader(1024).push(frame), [payload]);
  const reader = new FrameReader(1024);
  assert.deepStrictEqual(reader.push(frame.subarray(0, 500)), []);
  assert.equal(reader.buffered, 500);
  assert.deepStrictEqual(reader.push(frame.subarray(500)), [payload]);
});

test('buffered never exceeds 4 + maxFrame while a frame trickles in', () => {
  const maxFrame = 1024;
  const reader = new FrameReader(maxFrame);
  const frame = encodeFrame(Buffer.alloc(maxFrame, 1));
  const stream = Buffer.concat([frame, frame, frame.subarray(0, 600)]);
  let peak = 0;
  let delivered = 0;
  for (let i = 0; i < stream.length; i += 3) {
    delivered += reader.push(stream.subarray(i, i + 3)).length;
    peak = Math.max(peak, reader.buffered);
  }
  assert.equal(delivered, 2);
  assert.equal(peak, 4 + maxFrame - 1);
  assert.equal(reader.buffered, 600);
});

test('an invalid maxFrame is a RangeError', () => {
  assert.throws(() => new FrameReader(0), RangeError);
  assert.throws(() => new FrameReader(2 ** 32), RangeError);
});
