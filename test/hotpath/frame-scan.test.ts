// The native frame reader against the TS one: the same random streams, cut
// at the same random points, must give the same payloads byte for byte, the
// same `buffered` after every read, and the same WireError at a bad length.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WireError } from '../../src/wire/errors';
import { FrameReaderApi, FrameReaderClass, JsFrameReader } from '../../src/wire/js/frame-reader';
import { nativeFrameReader } from '../../src/wire/native/frame-reader';
import { addonOrSkip, prng, randomBytes } from './support';

interface Outcome {
  reads: string[];
  error: string | undefined;
  buffered: number[];
}

/** Feeds every chunk; records each read's payloads (hex), `buffered` after it, and the first error. */
function feed(Reader: FrameReaderClass, maxFrame: number, chunks: Buffer[]): Outcome {
  const reader: FrameReaderApi = new Reader(maxFrame);
  const outcome: Outcome = { reads: [], error: undefined, buffered: [] };
  for (const chunk of chunks) {
    try {
      outcome.reads.push(reader.push(chunk).map((p) => p.toString('hex')).join(','));
      outcome.buffered.push(reader.buffered);
    } catch (err) {
      assert.ok(err instanceof WireError, `not a WireError: ${String(err)}`);
      outcome.error = err.message;
      outcome.buffered.push(reader.buffered);
      break;
    }
  }
  // A reader that failed refuses everything after, with the same sentence.
  if (outcome.error !== undefined) {
    assert.throws(() => reader.push(Buffer.from([0, 0, 0, 1, 7])), (e: unknown) => e instanceof WireError && /used after a framing error/.test(e.message));
  }
  return outcome;
}

function prefix(length: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(length >>> 0, 0);
  return b;
}

/** A stream of 1..40 frames (tiny to a few KiB, now and then exactly maxFrame), sometimes ending in a bad length or a torn frame. */
function randomStream(rand: (n: number) => number, maxFrame: number): Buffer {
  const parts: Buffer[] = [];
  const frames = 1 + rand(40);
  for (let k = 0; k < frames; k++) {
    const kind = rand(10);
    const size = kind === 0 ? maxFrame : kind < 4 ? 1 + rand(8) : 1 + rand(Math.min(maxFrame, kind < 8 ? 300 : 5000));
    parts.push(prefix(size), randomBytes(rand, size));
  }
  const ending = rand(8);
  if (ending === 0) parts.push(prefix(0), randomBytes(rand, rand(10)));
  else if (ending === 1) parts.push(prefix(maxFrame + 1 + rand(1000)), randomBytes(rand, rand(10)));
  else if (ending === 2) parts.push(prefix(0xffffffff));
  else if (ending === 3) parts.push(prefix(1 + rand(maxFrame)).subarray(0, rand(4))); // a torn prefix
  else if (ending === 4) parts.push(prefix(100), randomBytes(rand, rand(100))); // a torn body
  return Buffer.concat(parts);
}

/** Random cut points: single bytes, a few bytes, a few KiB, or the rest. */
function randomChunks(rand: (n: number) => number, stream: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < stream.length; ) {
    const mode = rand(5);
    const size = mode === 0 ? 1 : mode === 1 ? 1 + rand(8) : mode === 2 ? 1 + rand(600) : mode === 3 ? 1 + rand(20000) : stream.length - i;
    chunks.push(stream.subarray(i, i + size));
    i += size;
  }
  if (rand(10) === 0) chunks.splice(rand(chunks.length + 1), 0, Buffer.alloc(0));
  return chunks;
}

test('native and TS frame readers agree on 10 000 random streams cut at random points', (t) => {
  const addon = addonOrSkip(t);
  if (!addon) return;
  const NativeReader = nativeFrameReader(addon);
  const rand = prng(2024);
  let frames = 0;
  let errors = 0;
  for (let k = 0; k < 10_000; k++) {
    const maxFrame = [1, 2, 16, 300, 4096, 8192][rand(6)] as number;
    const chunks = randomChunks(rand, randomStream(rand, maxFrame));
    const ts = feed(JsFrameReader, maxFrame, chunks);
    const native = feed(NativeReader, maxFrame, chunks);
    assert.deepStrictEqual(native, ts, `case ${k} (maxFrame ${maxFrame}, cuts ${chunks.map((c) => c.length).join(' ')})`);
    frames += ts.reads.reduce((n, r) => n + (r ? r.split(',').length : 0), 0);
    if (ts.error) errors++;
  }
  // The generator must really cover both outcomes.
  assert.ok(frames > 50_000, `only ${frames} frames`);
  assert.ok(errors > 1000, `only ${errors} streams ended in a bad length`);
});

test('native reader: more whole frames in one chunk than one scan call returns', (t) => {
  const addon = addonOrSkip(t);
  if (!addon) return;
  const NativeReader = nativeFrameReader(addon);
  const frame = Buffer.from([0, 0, 0, 1, 0xab]);
  const chunk = Buffer.concat([...Array(20_000).fill(frame), Buffer.from([0, 0])]);
  const got = new NativeReader().push(chunk);
  assert.equal(got.length, 20_000);
  assert.ok(got.every((p) => p.length === 1 && p[0] === 0xab));
  assert.deepStrictEqual(new JsFrameReader().push(chunk).length, 20_000);
});

test('native reader: a payload that arrives whole is a view of the chunk, as in the TS reader', (t) => {
  const addon = addonOrSkip(t);
  if (!addon) return;
  const NativeReader = nativeFrameReader(addon);
  const chunk = Buffer.from([0, 0, 0, 2, 1, 2, 0, 0, 0, 1, 3]);
  const [first, second] = new NativeReader().push(chunk);
  assert.equal(first?.buffer, chunk.buffer);
  assert.equal(first?.byteOffset, chunk.byteOffset + 4);
  assert.equal(second?.byteOffset, chunk.byteOffset + 10);
});

test('native reader: a length over maxFrame is refused from the prefix alone, body unsent', (t) => {
  const addon = addonOrSkip(t);
  if (!addon) return;
  const NativeReader = nativeFrameReader(addon);
  for (const Reader of [JsFrameReader, NativeReader]) {
    const reader = new Reader(1024);
    assert.deepStrictEqual(reader.push(Buffer.from([0, 0, 0, 1, 9, 0, 0])), [Buffer.from([9])]);
    assert.throws(() => reader.push(Buffer.from([4, 1])), /frame length 1025 exceeds the maximum of 1024 bytes/);
  }
});
